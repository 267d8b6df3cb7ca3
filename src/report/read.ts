// The report reads output files only, so it works on merged shards and on folders from another machine.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { OutputName, OUTPUTS, header } from '../output/columns';
import { UsageError } from '../errors';

export type Row = Record<string, string>;

/** One run's final loss in one runs.csv column, averaged over its tasks. */
export interface RunLoss {
  model: string;
  correlation: number;
  lr: number;
  run: number;
  loss: number;
  /** Every task row has status ok and a finite value. */
  ok: boolean;
}

/** runs.csv rows (one per run × task) → one entry per run, in file order. */
export function runLosses(rows: Row[], column: string): RunLoss[] {
  const byRun = new Map<string, RunLoss & { values: number[] }>();
  for (const r of rows) {
    const key = `${r.model}|${Number(r.correlation)}|${Number(r.lr)}|${Number(r.run)}`;
    let e = byRun.get(key);
    if (!e) byRun.set(key, (e = { model: r.model, correlation: Number(r.correlation), lr: Number(r.lr), run: Number(r.run), loss: NaN, ok: true, values: [] }));
    const value = Number(r[column]);
    e.values.push(value); // merged shards never repeat a (run, task); if they did, both count
    e.ok &&= r.status === 'ok' && Number.isFinite(value);
  }
  return [...byRun.values()].map(({ values, ...e }) => ({ ...e, loss: values.reduce((a, b) => a + b, 0) / values.length }));
}

export function readCsv(dir: string, name: OutputName): Row[] {
  const file = path.join(dir, OUTPUTS[name].file);
  if (!fs.existsSync(file)) throw new UsageError(`${file} does not exist; allowed: a sweep output folder`, file);
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Row[];
  const want = header(name);
  const got = rows.length > 0 ? Object.keys(rows[0]) : want;
  if (want.some((c) => !got.includes(c))) {
    throw new UsageError(`${file} lacks columns ${want.filter((c) => !got.includes(c)).join(', ')}; allowed: a file written by this version of mmoe-sweep`, file);
  }
  return rows;
}

export function readManifestConfig(dir: string): { report: { histogramBins: number; histogramMax: number }; sweep: { models: string[]; correlations: number[] }; train: { lr: number[] } } {
  const file = path.join(dir, 'manifest.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).config;
  } catch {
    throw new UsageError(`${file} is missing or not JSON; allowed: a sweep output folder`, file);
  }
}
