// The compact end-of-sweep table: model × correlation (× lr), mean ± std of held-out loss per run.
import { readCsv, runLosses } from './read';
import { METRICS, describe } from './summary';

export interface TableRow {
  model: string;
  correlation: number;
  lr: number;
  /** --set axis values ("" without axes). */
  axes: string;
  runs: number;
  diverged: number;
  /** Each run's loss is the mean of its two tasks' final held-out losses. */
  mean: number;
  std: number;
  normalizedMean: number;
  normalizedStd: number;
}

export function runTable(dir: string): TableRow[] {
  const rows = readCsv(dir, 'runs');
  const raw = runLosses(rows, METRICS.raw);
  const norm = runLosses(rows, METRICS.normalized); // the same runs, in the same order
  const cells = new Map<string, { model: string; correlation: number; lr: number; axes: string; diverged: number; raw: number[]; norm: number[] }>();
  raw.forEach((e, i) => {
    const key = `${e.model}|${e.correlation}|${e.lr}|${e.axes}`;
    if (!cells.has(key)) cells.set(key, { model: e.model, correlation: e.correlation, lr: e.lr, axes: e.axes, diverged: 0, raw: [], norm: [] });
    const c = cells.get(key)!;
    if (!e.ok) c.diverged++;
    else {
      c.raw.push(e.loss);
      c.norm.push(norm[i].loss);
    }
  });
  return [...cells.values()].map(({ raw: r, norm: n, ...cell }) => {
    const dr = describe(r);
    const dn = describe(n);
    return { ...cell, runs: r.length, mean: dr.mean, std: dr.std, normalizedMean: dn.mean, normalizedStd: dn.std };
  });
}
