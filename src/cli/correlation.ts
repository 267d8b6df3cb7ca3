// `mmoe-sweep correlation`: label Pearson correlation vs cosine p (paper Figure 2).
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { resolveConfig } from '../config/load';
import { SCHEMA, checkFlag } from '../config/schema';
import { labelCorrelationCurve } from '../data/correlation';
import { studyConstants } from '../data/generator';
import { UsageError, usage } from '../errors';
import { writeAtomic } from '../output/files';
import { checkRowsBound } from '../sweep/bounds';
import { ExitStatus, addConfigOptions, positiveInt, timestamp } from './options';

/** The cosines of the paper's Figure 2. */
export const FIGURE2_COSINES = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 1.0];

export const CORRELATION_COLUMNS = ['cosine', 'trials', 'rows', 'label_correlation_mean', 'label_correlation_2std'];

/** Bounds on one curve: rows per trial are allocated at once. */
export const MAX_ROWS = 10_000_000;
export const MAX_TRIALS = 100_000;

export function correlationCommand(program: Command, status: ExitStatus): void {
  const cmd = program
    .command('correlation')
    .description('label Pearson correlation for each cosine p: mean and 2 std over trials (paper Figure 2)')
    .addOption(new Option('--cosine <list>', 'cosines, comma-separated, each in [-1, 1]').default(FIGURE2_COSINES.join(','), FIGURE2_COSINES.join(',')))
    .option('--trials <n>', 'trials per cosine, each with a fresh task pair and rows', 100 as unknown as string)
    .option('--rows <n>', 'rows per trial', 10000 as unknown as string)
    .addOption(new Option('--seed <n>', 'base seed (also fixes α, β when they are drawn)').default('1', '1'))
    .option('--out <file>', 'CSV to write (default: results/correlation-<preset>-<timestamp>.csv)')
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', '\nExample:\n  mmoe-sweep correlation --preset paper --cosine 0.5,0.9,1 --trials 20');
  addConfigOptions(cmd).action(async (o: Record<string, unknown>) => void (status.code = await correlation(o)));
}

export async function correlation(o: Record<string, unknown>): Promise<number> {
  const cfg = resolveConfig({ preset: o.preset as string, configFile: o.config as string | undefined, flags: { seed: o.seed } });
  const r = SCHEMA.sweep.correlations;
  const cosines = checkFlag('--cosine', o.cosine as string, r) as number[];
  const trials = positiveInt('--trials', o.trials as string);
  const rows = positiveInt('--rows', o.rows as string);
  if (rows < 3 || rows > MAX_ROWS) throw usage('--rows', rows, `an integer in [3, ${MAX_ROWS}]`);
  if (trials > MAX_TRIALS) throw usage('--trials', trials, `an integer in [1, ${MAX_TRIALS}]`);
  checkRowsBound('--rows', rows, cfg.data.dim); // one trial's rows are held at once
  const out = (o.out as string | undefined) ?? path.join('results', `correlation-${o.preset}-${timestamp()}.csv`);
  if (fs.existsSync(out)) throw new UsageError(`--out ${JSON.stringify(out)} exists; allowed: a new file`, out);

  const points = labelCorrelationCurve(cfg.data, studyConstants(cfg.data, cfg.sweep.seed), cosines, trials, rows, cfg.sweep.seed);
  if (o.out === undefined) fs.mkdirSync(path.dirname(out), { recursive: true });
  writeAtomic(out, stringify(points.map((p) => [p.cosine, p.trials, p.rows, p.mean, p.twoStd]), { header: true, columns: CORRELATION_COLUMNS }));
  if (o.json) process.stdout.write(JSON.stringify({ out, points }) + '\n');
  else {
    process.stdout.write('cosine  label correlation (mean ± 2 std)\n');
    for (const p of points) process.stdout.write(`${String(p.cosine).padEnd(6)}  ${p.mean.toFixed(4)} ± ${p.twoStd.toFixed(4)}\n`);
    process.stdout.write(`written: ${out}\n`);
  }
  return 0;
}
