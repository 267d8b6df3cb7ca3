// The study's stopping criterion, measured on a pilot sweep folder (docs/REPRODUCTION.md,
// "Learning rate and training length"): the mean held-out normalized curve of each model,
// correlation and lr, and the first step T at which it has stopped improving, i.e. the loss at
// 0.8·T exceeds the loss at T by less than 5% of itself, and stays so at every later step.
// With a constant learning rate a curve cut at T is exactly what a T-step run gives, so T is the
// step count a study with that rate needs. A measurement, never a test.
//
// A folder without curves.csv (a committed study keeps only its figures) is read from
// figures/fig4-loss-curves.csv instead: the same mean curves, at each model's best lr (lr "best").
//
//   node dist/bench/pilot-curves.js DIR [threshold=0.05] [steps to print, comma-separated]
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { readCsv, Row } from '../src/report/read';
import { MODEL_ORDER } from '../src/report/load';
import { fractionFlag, intListFlag, runBench } from './flags';

interface Curve {
  model: string;
  correlation: number;
  lr: number;
  /** Eval steps, ascending, and the mean over runs and tasks of loss_normalized at each. */
  steps: number[];
  mean: number[];
  runs: number;
}

function meanCurves(rows: Row[]): Curve[] {
  const cells = new Map<string, { model: string; correlation: number; lr: number; sums: Map<number, { s: number; n: number }>; runs: Set<number> }>();
  for (const r of rows) {
    if (r.split !== 'eval') continue;
    const key = `${r.model}|${r.correlation}|${r.lr}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { model: r.model, correlation: Number(r.correlation), lr: Number(r.lr), sums: new Map(), runs: new Set() }));
    const step = Number(r.step);
    const e = c.sums.get(step) ?? { s: 0, n: 0 };
    e.s += Number(r.loss_normalized);
    e.n += 1;
    c.sums.set(step, e);
    c.runs.add(Number(r.run));
  }
  return [...cells.values()].map((c) => {
    const steps = [...c.sums.keys()].sort((a, b) => a - b);
    return { model: c.model, correlation: c.correlation, lr: c.lr, steps, mean: steps.map((s) => c.sums.get(s)!.s / c.sums.get(s)!.n), runs: c.runs.size };
  });
}

/** figures/fig4-loss-curves.csv (model, correlation, step, runs, mean, …): already means, one row per point. */
function figureCurves(dir: string): Curve[] {
  const rows = parse(fs.readFileSync(path.join(dir, 'figures', 'fig4-loss-curves.csv'), 'utf8'), { columns: true }) as Row[];
  const cells = new Map<string, Curve>();
  for (const r of rows) {
    const key = `${r.model}|${r.correlation}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { model: r.model, correlation: Number(r.correlation), lr: NaN, steps: [], mean: [], runs: Number(r.runs) }));
    c.steps.push(Number(r.step));
    c.mean.push(Number(r.mean));
  }
  return [...cells.values()];
}

/** The mean curve at `step`, linear between eval points (NaN outside them). */
function at(c: Curve, step: number): number {
  for (let i = 0; i < c.steps.length; i++) {
    if (c.steps[i] === step) return c.mean[i];
    if (c.steps[i] > step) {
      if (i === 0) return NaN;
      const f = (step - c.steps[i - 1]) / (c.steps[i] - c.steps[i - 1]);
      return c.mean[i - 1] + f * (c.mean[i] - c.mean[i - 1]);
    }
  }
  return NaN;
}

/** Relative improvement over the last fifth of a run of `step` steps: (L(0.8·T) − L(T)) / L(0.8·T). */
function lastFifthGain(c: Curve, step: number): number {
  const early = at(c, 0.8 * step);
  return (early - at(c, step)) / early;
}

/** The first eval step from which on every cut meets the criterion, or null if the last one does not. */
function convergedAt(c: Curve, threshold: number): number | null {
  let first: number | null = null;
  for (const s of c.steps) {
    const g = lastFifthGain(c, s);
    if (!Number.isFinite(g)) continue;
    if (g < threshold) first ??= s;
    else first = null;
  }
  return first;
}

function main(): void {
  const [dir, thresholdArg = '0.05', stepsArg] = process.argv.slice(2);
  if (!dir) {
    process.stderr.write('usage: node dist/bench/pilot-curves.js DIR [threshold] [steps,...]\n');
    process.exit(2);
  }
  const threshold = fractionFlag('threshold', thresholdArg);
  const steps = stepsArg === undefined ? undefined : intListFlag('steps', stepsArg, 0);
  const fromFigure = !fs.existsSync(path.join(dir, 'curves.csv')) && fs.existsSync(path.join(dir, 'figures', 'fig4-loss-curves.csv'));
  const curves = (fromFigure ? figureCurves(dir) : meanCurves(readCsv(dir, 'curves'))).sort((a, b) => MODEL_ORDER.indexOf(a.model) - MODEL_ORDER.indexOf(b.model) || a.correlation - b.correlation || a.lr - b.lr);
  const last = Math.max(...curves.map((c) => c.steps[c.steps.length - 1]));
  const show = steps ?? [0.25, 0.5, 0.75, 1].map((f) => Math.round(f * last));
  const head = ['model', 'p', 'lr', 'runs', ...show.map((s) => `L@${s}`), `gain last fifth @${last}`, `converged (< ${threshold * 100}%) at`];
  console.log(`| ${head.join(' | ')} |\n|${head.map(() => '---').join('|')}|`);
  for (const c of curves) {
    const conv = convergedAt(c, threshold);
    const cells = [c.model, String(c.correlation), Number.isNaN(c.lr) ? 'best' : String(c.lr), String(c.runs), ...show.map((s) => at(c, s).toFixed(3)), `${(100 * lastFifthGain(c, last)).toFixed(1)}%`, conv === null ? `> ${last}` : String(conv)];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

runBench('pilot-curves', main);
