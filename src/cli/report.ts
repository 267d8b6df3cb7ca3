// `mmoe-sweep report DIR`: judge the paper's claims on a sweep folder, write report.md and figures.
import * as path from 'path';
import { Command, Option } from 'commander';
import { usage } from '../errors';
import { anyFailed, CLAIM_DEFAULTS } from '../report/claims';
import { parseMetric } from '../report/load';
import { verdictLine, writeReport } from '../report/report';
import { EXIT, SIGNAL_EXIT } from './fail';
import { ExitStatus } from './options';
import { writeSetInto } from './sets';

/** `--check` exit code when a claim fails (0: none fails; unresolved does not fail). */
export const CHECK_FAILED = 3;

export function reportCommand(program: Command, status: ExitStatus): void {
  program
    .command('report')
    .description("judge the paper's claims on a sweep folder; write report.md, claims.csv and figures/ into it")
    .argument('<dir>', 'a sweep output folder (finished, interrupted, or merged from shards)')
    .addOption(new Option('--metric <name>', 'loss the report, figures and claims use: normalized (MSE / variance of the task\'s held-out labels) or raw (MSE)').default('normalized'))
    .option('--margin <fraction>', "C5: how far above its loss at the highest correlation mmoe's loss at the lowest may be, relative", String(CLAIM_DEFAULTS.margin))
    .option('--alpha <level>', 'significance level of each comparison', String(CLAIM_DEFAULTS.alpha))
    .option('--check', `exit ${CHECK_FAILED} when a claim fails (for CI); unresolved claims do not fail`)
    .addHelpText('after', '\nExample:\n  mmoe-sweep --preset smoke --out /tmp/smoke && mmoe-sweep report /tmp/smoke --check')
    .action(async (dir: string, o: Record<string, unknown>) => void (status.code = await report(dir, o)));
}

function fraction(flag: string, text: string, ok: (x: number) => boolean, allowed: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || !ok(x)) throw usage(flag, text, allowed);
  return x;
}

export async function report(dir: string, o: Record<string, unknown>): Promise<number> {
  const metric = parseMetric(o.metric as string);
  const margin = fraction('--margin', o.margin as string, (x) => x >= 0, 'a number >= 0 (0.1 = 10%)');
  const alpha = fraction('--alpha', o.alpha as string, (x) => x > 0 && x < 1, 'a number in (0, 1)');
  const { value: r, signal, moved } = await writeSetInto(dir, 'report', (stage) => writeReport(dir, { metric, margin, alpha }, stage));
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (r.removed.length) process.stderr.write(`removed ${r.removed.length} stale figure files: ${r.removed.map((f) => path.basename(f)).join(', ')}\n`);
  for (const c of r.claims) process.stdout.write(`${verdictLine(c)}\n`);
  process.stdout.write(`written: ${moved(r.report)}, claims.csv and ${r.files.length - 2} files in figures/\n`);
  if (signal) return SIGNAL_EXIT[signal] ?? EXIT.interrupted;
  if (o.check && anyFailed(r.claims)) {
    process.stderr.write(`mmoe-sweep: check failed: ${r.claims.filter((c) => c.verdict === 'fail').map((c) => c.id).join(', ')}\n`);
    return CHECK_FAILED;
  }
  return 0;
}
