// Sweep folders with known truth, written the way mmoe-sweep writes them, for the claims tests.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { header } from '../../src/output/columns';
import { stream } from '../../src/engine/random';
import { mtlGains } from '../../src/output/gain';
import { gridPoints } from '../../src/config/grid';

/** Final held-out loss of run `run` (0-based) of a model at a correlation, for one task. */
export type Truth = (model: string, correlation: number, run: number, noise: () => number, point?: Record<string, number>) => number;

export interface Synthetic {
  models: string[];
  correlations: number[];
  runs: number;
  truth: Truth;
  /** Also write curves.csv (two eval points) and gates.csv. */
  extras?: boolean;
  /**
   * A paired design across correlations: run i has the same seed at every correlation and
   * `noise` gives the same draws there (common random numbers). Otherwise each (run,
   * correlation) has its own seed and draws, as independent samples.
   */
  paired?: boolean;
  /** Base seed, written into the seed column (paired: base + run; else also by correlation). */
  seed?: number;
  /** Extra per-run status: a run for which this returns true is written as diverged. */
  diverged?: (model: string, correlation: number, run: number) => boolean;
  /** A task's loss is the run's loss times this (default 1): a seesaw by construction. */
  taskFactor?: (model: string, correlation: number, task: number) => number;
  /** --set axes (config.sweep.grid): every run at every combination, one column per axis; the noise is the same at every combination (run i keeps its seed, as in a real sweep). */
  grid?: Record<string, number[]>;
}

/**
 * Writes manifest.json and runs.csv (and optionally curves.csv, gates.csv) into a new folder.
 * Each (run, correlation) draws one shared noise stream, so models are paired by run index as
 * in a real sweep. Both tasks get the same loss plus a tiny task offset.
 */
export function writeSynthetic(dir: string, s: Synthetic): string {
  fs.mkdirSync(dir, { recursive: true });
  const seed0 = s.seed ?? 1;
  const config = { sweep: { models: s.models, correlations: s.correlations, runs: s.runs, seed: seed0, ...(s.grid ? { grid: s.grid } : {}) }, train: { steps: 100, batchSize: 8, lr: [0.001], evalEvery: 50 }, data: { trainSize: 100, evalSize: 100 }, model: { experts: 4 }, report: { histogramBins: 21, histogramMax: 0.7 } };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ tool: 'mmoe-sweep', version: 'test', status: 'complete', backend: 'none', config }));
  const runs: Record<string, unknown>[] = [];
  const curves: Record<string, unknown>[] = [];
  const gates: Record<string, unknown>[] = [];
  for (const point of gridPoints(s.grid)) s.correlations.forEach((p, pi) => {
    for (let run = 0; run < s.runs; run++) {
      for (const model of s.models) {
        // the same draws for every model (paired by run index), and in a paired design for every correlation
        const noise = stream(s.paired ? `synthetic|${seed0}|${run}` : `synthetic|${seed0}|${p}|${run}`);
        const loss = s.truth(model, p, run, () => noise.normal(), point);
        const seed = s.paired ? seed0 + run : seed0 + run + 1000 * (pi + 1);
        const status = s.diverged?.(model, p, run) ? 'diverged' : 'ok';
        for (const task of [1, 2]) {
          const v = loss * (s.taskFactor?.(model, p, task) ?? 1) + (task - 1.5) * 1e-6;
          const base = { model, correlation: p, label_correlation: p, run, seed, lr: 0.001, task, ...point };
          runs.push({ ...base, train_loss: v, eval_loss: 3 * v, train_loss_normalized: v, eval_loss_normalized: v, steps: 100, status, seconds: 0 });
          if (!s.extras) continue;
          for (const step of [50, 100]) curves.push({ ...base, step, split: 'eval', loss: 3 * v * (150 / (step + 50)), loss_normalized: v * (150 / (step + 50)) });
          if (model === 'shared-bottom') continue;
          const w = model === 'mmoe' && task === 2 ? [0.1, 0.2, 0.3, 0.4] : [0.4, 0.3, 0.2, 0.1];
          w.forEach((weight, e) => gates.push({ ...base, expert: e + 1, weight }));
        }
      }
    }
  });
  const axes = Object.keys(s.grid ?? {});
  const write = (name: 'runs' | 'curves' | 'gates', rows: Record<string, unknown>[]) =>
    fs.writeFileSync(path.join(dir, `${name}.csv`), stringify(rows.map((r) => [...header(name), ...axes].map((c) => r[c] ?? '')), { header: true, columns: [...header(name), ...axes] }));
  // mtl_gain as the sweep writes it: within each combination of the axes
  for (const point of gridPoints(s.grid)) {
    const here = runs.filter((r) => axes.every((a) => r[a] === point[a]));
    const gains = mtlGains(here.map((r) => ({ model: String(r.model), correlation: Number(r.correlation), lr: Number(r.lr), run: Number(r.run), task: Number(r.task), loss: Number(r.eval_loss_normalized), ok: r.status === 'ok' })));
    here.forEach((r, i) => (r.mtl_gain = gains[i] ?? ''));
  }
  write('runs', runs);
  if (s.extras) {
    write('curves', curves);
    write('gates', gates);
  }
  return dir;
}

/** The paper's Figure 4 as truth (paired run noise, shared-bottom much more spread out). */
export const PAPER_LIKE: Truth = (model, p, run, noise) => {
  const paper: Record<string, Record<number, number>> = {
    'shared-bottom': { 0.5: 0.25, 0.9: 0.225, 1: 0.2 },
    omoe: { 0.5: 0.145, 0.9: 0.12, 1: 0.077 },
    mmoe: { 0.5: 0.082, 0.9: 0.08, 1: 0.07 },
  };
  const shared = noise(); // data difficulty of this run, the same for every model
  const own = [noise(), noise(), noise()][['shared-bottom', 'omoe', 'mmoe'].indexOf(model)];
  const spread = model === 'shared-bottom' ? 0.02 : 0.002;
  // shared-bottom: a bad mode in a third of the runs (Figure 5), drawn from the run's noise
  const bad = model === 'shared-bottom' && run % 3 === 0 ? 0.06 : 0;
  return paper[model][p] + 0.003 * shared + spread * own + bad - (model === 'shared-bottom' ? 0.02 : 0);
};
