// `mmoe-sweep generate`: write one task pair's rows (x0…x{d-1}, y1, y2) as CSV.
import * as fs from 'fs';
import { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { resolveConfig } from '../config/load';
import { SCHEMA, checkFlag } from '../config/schema';
import { runTaskPair, sampleRows, studyConstants, trainRowStream, TASKS } from '../data/generator';
import { UsageError, usage } from '../errors';
import { openAtomic } from '../output/files';
import { runSeed } from '../sweep/plan';
import { ExitStatus, addConfigOptions, positiveInt } from './options';

/** Most rows `generate` writes. */
export const MAX_ROWS = 100_000_000;

export function generateCommand(program: Command, status: ExitStatus): void {
  const cmd = program
    .command('generate')
    .description('write synthetic rows of one task pair: the training rows run 0 of a sweep with this seed would see')
    .requiredOption('--correlation <p>', 'cosine p between the task weight vectors, in [-1, 1]')
    .requiredOption('--rows <n>', 'number of rows')
    .option('--seed <n>', 'base seed (as in a sweep)', '1')
    .requiredOption('--out <file>', 'CSV file to write (refused if it exists, unless --force)')
    .option('--force', 'overwrite --out')
    .addHelpText('after', '\nExample:\n  mmoe-sweep generate --correlation 0.5 --rows 1000 --seed 7 --out pair.csv');
  addConfigOptions(cmd).action(async (o: Record<string, unknown>) => void (status.code = await generate(o)));
}

export async function generate(o: Record<string, unknown>): Promise<number> {
  const cfg = resolveConfig({ preset: o.preset as string, configFile: o.config as string | undefined, flags: { seed: o.seed } });
  const r = { ...SCHEMA.sweep.correlations, kind: 'number' as const };
  const p = checkFlag('--correlation', o.correlation as string, r) as number;
  const rows = positiveInt('--rows', o.rows as string);
  if (rows > MAX_ROWS) throw usage('--rows', rows, `an integer in [1, ${MAX_ROWS}] (rows are streamed; this bounds the file, ~${Math.round((MAX_ROWS * 2e3) / 2 ** 30)} GB at d = 100)`);
  const out = o.out as string;
  if (out.trim() === '') throw usage('--out', out, 'a file path');
  const st = fs.statSync(out, { throwIfNoEntry: false });
  if (st && !o.force) throw new UsageError(`--out ${JSON.stringify(out)} exists; allowed: a new file, or --force to overwrite`, out);
  if (st && !st.isFile()) throw usage('--out', out, 'a regular file path (this is a folder or a device; --force replaces only files)');
  const seed = runSeed(cfg.sweep.seed, 0);
  const task = runTaskPair(cfg.data, p, studyConstants(cfg.data, cfg.sweep.seed), seed);
  const s = trainRowStream(seed);
  const d = cfg.data.dim;
  const file = openAtomic(out); // every write checked; the file appears whole or not at all
  const columns = [...Array.from({ length: d }, (_, j) => `x${j}`), ...Array.from({ length: TASKS }, (_, k) => `y${k + 1}`)];
  file.write(stringify([columns]));
  const chunk = 4096; // rows per write; the stream continues across chunks, so the rows don't depend on it
  for (let done = 0; done < rows; done += chunk) {
    const n = Math.min(chunk, rows - done);
    const block = sampleRows(task, cfg.data, n, s);
    const lines: number[][] = [];
    for (let i = 0; i < n; i++) lines.push([...block.x.subarray(i * d, (i + 1) * d), ...block.y.subarray(i * TASKS, (i + 1) * TASKS)]);
    file.write(stringify(lines));
  }
  file.commit();
  return 0;
}
