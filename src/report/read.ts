// The report reads output files only, so it works on merged shards and on folders from another machine.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { OutputName, OUTPUTS, header } from '../output/columns';
import { UsageError } from '../errors';

export type Row = Record<string, string>;

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
