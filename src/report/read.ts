// The report reads output files only, so it works on merged shards and on folders from another machine.
// Every cell is checked as it is read: a blank, non-numeric or cut-short cell is an error naming
// the file, row and column, never a 0 in a mean.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { OutputName, OUTPUTS, header } from '../output/columns';
import { UsageError, envError, isEnvError } from '../errors';
import { parseManifestText } from '../config/duplicates';

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
  /** The run's --set axis values ("model.experts=4;…", "" without axes): axis columns are the dotted ones. */
  axes: string;
}

/** A runs.csv row's --set axis values as "KEY=V;…": the columns named by a dotted config key. */
export const rowAxes = (r: Row): string => Object.keys(r).filter((k) => k.includes('.')).map((k) => `${k}=${r[k]}`).join(';');

/** runs.csv rows (one per run × task) → one entry per run, in file order. */
export function runLosses(rows: Row[], column: string): RunLoss[] {
  const byRun = new Map<string, RunLoss & { values: number[] }>();
  for (const r of rows) {
    const axes = rowAxes(r);
    const key = `${r.model}|${Number(r.correlation)}|${Number(r.lr)}|${Number(r.run)}|${axes}`;
    let e = byRun.get(key);
    if (!e) byRun.set(key, (e = { model: r.model, correlation: Number(r.correlation), lr: Number(r.lr), run: Number(r.run), loss: NaN, ok: true, axes, values: [] }));
    const value = r[column] === '' ? NaN : Number(r[column]); // blank only on a diverged row (checked on reading): not a 0
    e.values.push(value); // merged shards never repeat a (run, task); if they did, both count
    e.ok &&= r.status === 'ok' && Number.isFinite(value);
  }
  return [...byRun.values()].map(({ values, ...e }) => ({ ...e, loss: values.reduce((a, b) => a + b, 0) / values.length }));
}

type CellKind = 'number' | 'int' | 'loss' | 'edge' | 'bool' | 'text' | 'gain';

/** How each column's cells must look; columns not listed are text. */
const KINDS: Record<string, CellKind> = {
  correlation: 'number', label_correlation: 'number', lr: 'number', run: 'int', seed: 'int', task: 'int', steps: 'int', seconds: 'number',
  train_loss: 'loss', eval_loss: 'loss', train_loss_normalized: 'loss', eval_loss_normalized: 'loss',
  step: 'int', loss: 'number', loss_normalized: 'number', expert: 'int', weight: 'number', parameters: 'int',
  runs: 'int', diverged: 'int', mean: 'loss', std: 'loss', min: 'loss', q25: 'loss', median: 'loss', q75: 'loss', max: 'loss',
  bin_start: 'number', bin_end: 'edge', count: 'int', fraction: 'number', best_lr: 'bool',
  mtl_gain: 'gain', mtl_gain_runs: 'gain', mtl_gain_mean: 'gain', mtl_gain_ci_low: 'gain', mtl_gain_ci_high: 'gain',
};

/** Columns added after folders were committed (results/): absent reads as empty, the spelling of missing. */
const OPTIONAL = new Set(['mtl_gain', 'mtl_gain_runs', 'mtl_gain_mean', 'mtl_gain_ci_low', 'mtl_gain_ci_high']);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** null when the cell fits its column; else what is wrong. A loss may be blank only where no run gave one (diverged rows, empty summaries). */
function cellProblem(kind: CellKind, v: string, row: Row): string | null {
  switch (kind) {
    case 'text':
      return null;
    case 'bool':
      return v === 'true' || v === 'false' ? null : 'true or false';
    case 'int':
      return /^[+-]?\d+$/.test(v) ? null : 'an integer';
    case 'edge':
      return NUMBER.test(v) || v === 'Infinity' ? null : 'a number or Infinity';
    case 'loss':
      if (v === '' || v === 'NaN') return row.status === 'ok' || (row.runs !== undefined && row.runs !== '0') ? 'a number (this row has finished runs)' : null;
      return NUMBER.test(v) ? null : 'a number';
    case 'number':
      return NUMBER.test(v) ? null : 'a number';
    case 'gain':
      return v === '' || NUMBER.test(v) ? null : 'a number or empty';
  }
}

/** A UsageError naming the file, its 1-based line and column, and the bad cell. */
function bad(file: string, line: number, column: string, value: string, allowed: string): UsageError {
  return new UsageError(`${file}:${line}: column ${column}: got ${JSON.stringify(value)}; allowed: ${allowed} (a file written by mmoe-sweep, not cut short or edited)`, file);
}

/** A file's text; `absent` when there is none, one line naming the file when it cannot be read. */
function readText(file: string, absent: () => UsageError): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw absent();
    if (isEnvError(e)) throw envError(e, 'read', file);
    throw e;
  }
}

export function readCsv(dir: string, name: OutputName): Row[] {
  const file = path.join(dir, OUTPUTS[name].file);
  const text = readText(file, () => new UsageError(`${file} does not exist; allowed: a sweep output folder`, file));
  const want = header(name);
  let records: string[][];
  try {
    records = parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    throw new UsageError(`${file} is not valid CSV (${(e as Error).message.split('\n')[0].slice(0, 120)}); allowed: a file written by mmoe-sweep`, file);
  }
  const got = records[0] ?? [];
  const lacking = want.filter((c) => !got.includes(c) && !OPTIONAL.has(c));
  if (records.length === 0 || lacking.length) {
    throw new UsageError(`${file} lacks columns ${(records.length ? lacking : want).join(', ')}; allowed: a file written by this version of mmoe-sweep`, file);
  }
  if (!text.endsWith('\n')) {
    // every file we write ends with a newline: without one, the last row may be cut mid-number
    throw bad(file, records.length, got[records[records.length - 1].length - 1] ?? got[0], records[records.length - 1].slice(-1)[0] ?? '', 'a complete last line (this file was cut short)');
  }
  const rows: Row[] = [];
  for (let i = 1; i < records.length; i++) {
    const cells = records[i];
    if (cells.length !== got.length) {
      throw bad(file, i + 1, got[Math.min(cells.length, got.length - 1)], cells.slice(-1)[0] ?? '', `${got.length} cells per row (this row has ${cells.length})`);
    }
    const row: Row = {};
    got.forEach((c, j) => (row[c] = cells[j]));
    for (const c of want) if (OPTIONAL.has(c)) row[c] ??= '';
    for (const c of want) {
      const problem = cellProblem(KINDS[c] ?? 'text', row[c], row);
      if (problem) throw bad(file, i + 1, c, row[c], problem);
    }
    rows.push(row);
  }
  return rows;
}

/**
 * A sweep folder's manifest.json as JSON; a UsageError (exit 2) naming the file when there is
 * none, it cannot be read, is not JSON or gives a key twice (as resume and merge refuse it).
 */
export function readManifestJson(dir: string): unknown {
  const file = path.join(dir, 'manifest.json');
  const text = readText(file, () => new UsageError(`${JSON.stringify(dir)} is not a sweep folder (no manifest.json); allowed: a folder written by mmoe-sweep`, dir));
  return parseManifestText(file, text, 'a manifest written by mmoe-sweep');
}

export function readManifestConfig(dir: string): { report: { histogramBins: number; histogramMax: number }; sweep: { models: string[]; correlations: number[] }; train: { lr: number[] } } {
  const file = path.join(dir, 'manifest.json');
  const cfg = (readManifestJson(dir) as { config?: any } | null)?.config;
  if (cfg?.report === undefined) throw new UsageError(`${file} has no config.report; allowed: a sweep output folder`, file);
  checkReportConfig(file, cfg.report);
  return cfg;
}

/** A hand-edited manifest must not make a histogram of a billion bins: config.report checked as the schema checks it (absent: the defaults). */
export function checkReportConfig(file: string, r: { histogramBins?: unknown; histogramMax?: unknown } | undefined): void {
  if (r === undefined) return;
  const bins = r.histogramBins;
  const max = r.histogramMax;
  if (!Number.isInteger(bins) || (bins as number) < 1 || (bins as number) > 10_000 || typeof max !== 'number' || !(max > 0) || !Number.isFinite(max)) {
    throw new UsageError(`${file}: config.report is damaged (${JSON.stringify(r).slice(0, 100)}); allowed: histogramBins an integer in [1, 10000], histogramMax a number > 0`, file);
  }
}
