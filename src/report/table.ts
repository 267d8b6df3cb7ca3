// The compact end-of-sweep table: model × correlation (× lr), mean ± std of held-out loss per run.
import { readCsv } from './read';
import { describe } from './summary';

export interface TableRow {
  model: string;
  correlation: number;
  lr: number;
  runs: number;
  diverged: number;
  /** Each run's loss is the mean of its two tasks' final held-out losses. */
  mean: number;
  std: number;
  normalizedMean: number;
  normalizedStd: number;
}

export function runTable(dir: string): TableRow[] {
  const byRun = new Map<string, { model: string; correlation: number; lr: number; raw: number[]; norm: number[]; ok: boolean }>();
  for (const r of readCsv(dir, 'runs')) {
    const key = `${r.model}|${r.correlation}|${r.lr}|${r.run}`;
    if (!byRun.has(key)) byRun.set(key, { model: r.model, correlation: Number(r.correlation), lr: Number(r.lr), raw: [], norm: [], ok: true });
    const e = byRun.get(key)!;
    e.raw.push(Number(r.eval_loss));
    e.norm.push(Number(r.eval_loss_normalized));
    e.ok &&= r.status === 'ok';
  }
  const cells = new Map<string, TableRow & { raw: number[]; norm: number[] }>();
  for (const e of byRun.values()) {
    const key = `${e.model}|${e.correlation}|${e.lr}`;
    if (!cells.has(key)) cells.set(key, { model: e.model, correlation: e.correlation, lr: e.lr, runs: 0, diverged: 0, mean: NaN, std: NaN, normalizedMean: NaN, normalizedStd: NaN, raw: [], norm: [] });
    const c = cells.get(key)!;
    if (!e.ok) {
      c.diverged++;
      continue;
    }
    c.runs++;
    c.raw.push(e.raw.reduce((a, b) => a + b, 0) / e.raw.length);
    c.norm.push(e.norm.reduce((a, b) => a + b, 0) / e.norm.length);
  }
  return [...cells.values()].map(({ raw, norm, ...row }) => {
    const r = describe(raw);
    const n = describe(norm);
    return { ...row, mean: r.mean, std: r.std, normalizedMean: n.mean, normalizedStd: n.std };
  });
}
