// `mmoe-sweep compare BASE NEW`: per cell, is NEW's final loss worse than BASE's beyond a
// tolerance? Prints a table, writes compare.csv; exit 3 when a cell is worse (for CI).
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { UsageError, usage } from '../errors';
import { writeAtomic } from '../output/files';
import { cellName, COMPARE_DEFAULTS, compareHeader, compareRows, compareSweeps, Comparison } from '../report/compare';
import { JunitCase, junitXml } from '../report/junit';
import { parseMetric } from '../report/load';
import { num, pValue } from '../report/report';
import { ExitStatus } from './options';
import { decimalFlag } from '../config/number';

/** Exit code when a check fails: a claim or sanity gate (report --check) or a worse cell (compare). */
export const CHECK_FAILED = 3;

export function compareCommand(program: Command, status: ExitStatus): void {
  program
    .command('compare')
    .description(`for every cell in both sweeps, test whether NEW's final loss is worse than BASE's beyond a tolerance; write compare.csv; exit ${CHECK_FAILED} when a cell is worse`)
    .argument('<base>', 'the reference sweep folder (e.g. results/ci-baseline)')
    .argument('<new>', 'the sweep folder to judge')
    .addOption(new Option('--metric <name>', "loss compared: normalized (MSE / variance of the task's held-out labels) or raw (MSE)").default('normalized'))
    .option('--tolerance <fraction>', "relative worsening allowed: a cell fails when NEW is significantly above (1 + tolerance) × BASE (0.05 = 5%: 50× a second engine's numerical agreement; docs/CI.md)", String(COMPARE_DEFAULTS.tolerance))
    .option('--alpha <level>', "one-sided significance level of each cell's test", String(COMPARE_DEFAULTS.alpha))
    .option('--out <file>', 'where to write compare.csv (default: NEW/compare.csv)')
    .option('--json', 'print the comparison as JSON on stdout instead of the table')
    .option('--junit <file>', 'also write JUnit XML: one test case per cell, failed when the cell is worse')
    .addHelpText('after', '\nExit codes: 0 no cell worse, 3 a cell worse, 2 the sweeps are not comparable (different generator constants, metric, grid axes, or no cell in common) or bad input.\nExample:\n  mmoe-sweep --preset ci --out /tmp/ci && mmoe-sweep compare results/ci-baseline /tmp/ci --junit compare.xml')
    .action(async (base: string, next: string, o: Record<string, unknown>) => void (status.code = compare(base, next, o)));
}

/** Refuses, before any work is done, an output file whose folder is missing or that is a folder. */
export function checkWritable(file: string, what: string): void {
  const refuse = (code: string) => new UsageError(`${what} ${JSON.stringify(file)} cannot be written (${code}); allowed: a writable file path`, file);
  if (file.trim() === '') throw refuse('empty path'); // an empty --junit/--out was skipped silently, exit 0
  const dir = fs.statSync(path.dirname(path.resolve(file)), { throwIfNoEntry: false });
  if (!dir) throw refuse('ENOENT');
  if (!dir.isDirectory()) throw refuse('ENOTDIR');
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw refuse('EISDIR');
}

/** Writes a whole file, or a UsageError naming it (exit 2) when it cannot be written. */
export function writeChecked(file: string, text: string, what: string): void {
  checkWritable(file, what);
  try {
    writeAtomic(file, text);
  } catch (e) {
    if (e instanceof UsageError) throw e; // already one line naming the file and the cause
    throw new UsageError(`${what} ${JSON.stringify(file)} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); allowed: a writable file path`, file);
  }
}

export function compare(base: string, next: string, o: Record<string, unknown>): number {
  const metric = parseMetric(o.metric as string);
  const tolerance = decimalFlag('--tolerance', o.tolerance as string, (x) => x >= 0 && x < 1, 'a number in [0, 1) (0.1 = 10%)');
  const alpha = decimalFlag('--alpha', o.alpha as string, (x) => x > 0 && x < 1, 'a number in (0, 1)');
  // the folders first: a BASE or NEW that is a file was reported as "NEW/compare.csv cannot be written (ENOTDIR)"
  for (const [what, dir] of [['BASE', base], ['NEW', next]]) {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw usage(`compare: ${what}`, dir, 'an existing sweep folder');
  }
  const out = (o.out as string | undefined) ?? path.join(next, 'compare.csv');
  const outWhat = o.out === undefined ? 'compare.csv' : '--out';
  // both outputs checked before either is written, so a bad --junit leaves no new compare.csv behind
  checkWritable(out, outWhat);
  if (o.junit !== undefined) checkWritable(o.junit as string, '--junit');
  const c = compareSweeps(base, next, { metric, alpha, tolerance });
  writeChecked(out, stringify(compareRows(c), { header: true, columns: compareHeader() }), outWhat);
  if (o.junit !== undefined) writeChecked(o.junit as string, junitXml('mmoe-sweep compare', junitCases(c)), '--junit');
  for (const n of c.notes) process.stderr.write(`mmoe-sweep: note: ${n}\n`);
  const worse = c.cells.filter((x) => x.verdict === 'worse');
  if (o.json) process.stdout.write(`${JSON.stringify({ ...c, worse: worse.map((x) => cellName(x.axes)), file: out }, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  else process.stdout.write(`${table(c)}\nwritten: ${out}\n`);
  if (worse.length) {
    process.stderr.write(`mmoe-sweep: compare failed: ${worse.length} of ${c.cells.length} cells worse than ${base} beyond ${c.tolerance * 100}%: ${worse.map((x) => cellName(x.axes)).join(', ')}\n`);
    return CHECK_FAILED;
  }
  return 0;
}

const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '—');

function table(c: Comparison): string {
  const head = [...c.axes, 'test', 'n', 'base median', 'new median', 'shift (95% CI)', 'relative', 'p worse', 'verdict'];
  const rows = c.cells.map((x) => [
    ...c.axes.map((a) => x.axes[a]),
    x.test,
    Number.isNaN(x.nPairs) ? `${x.nBase} vs ${x.nNew}` : `${x.nPairs} pairs`,
    num(x.baseMedian),
    num(x.newMedian),
    `${num(x.shift)} (${num(x.shiftLow)} – ${num(x.shiftHigh)})`,
    pct(x.relative),
    pValue(x.pWorse),
    x.verdict,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [`${c.metric} final loss, ${c.new} against ${c.base}; worse = p(NEW > ${1 + c.tolerance} × BASE) < ${c.alpha}`, line(head), ...rows.map(line)].join('\n');
}

function junitCases(c: Comparison): JunitCase[] {
  return c.cells.map((x) => {
    const numbers = `${x.test}, ${Number.isNaN(x.nPairs) ? `${x.nBase} vs ${x.nNew} runs` : `${x.nPairs} pairs`}: base median ${num(x.baseMedian)}, new median ${num(x.newMedian)}, shift ${num(x.shift)} (95% CI ${num(x.shiftLow)} – ${num(x.shiftHigh)}, ${pct(x.relative)}), p(NEW > ${1 + c.tolerance} × BASE) = ${pValue(x.pWorse)}, diverged ${x.divergedBase} → ${x.divergedNew}`;
    return { name: cellName(x.axes), classname: `compare.${c.metric}`, ...(x.verdict === 'worse' ? { failure: `worse beyond ${c.tolerance * 100}% at alpha ${c.alpha}: ${numbers}` } : { output: numbers }) };
  });
}
