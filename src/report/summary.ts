// Distributions of final held-out loss: summary.csv (quantiles) and histogram.csv (paper Figure 5).
import { writeCsv } from '../output/files';
import { readCsv, readManifestConfig, Row } from './read';
import { meanCi } from './stats';
import { BASELINE } from '../output/gain';

export const METRICS = { raw: 'eval_loss', normalized: 'eval_loss_normalized' } as const;
export type Metric = keyof typeof METRICS;

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function describe(values: number[]) {
  const s = values.slice().sort((a, b) => a - b);
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(s.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, std, min: s[0], q25: quantile(s, 0.25), median: quantile(s, 0.5), q75: quantile(s, 0.75), max: s[n - 1] };
}

/** Counts over `bins` equal bins in [0, max) plus an overflow bin [max, Infinity). */
export function histogram(values: number[], bins: number, max: number): { start: number; end: number; count: number }[] {
  const width = max / bins;
  const out = Array.from({ length: bins + 1 }, (_, i) => ({ start: i * width, end: i < bins ? (i + 1) * width : Infinity, count: 0 }));
  for (const v of values) out[v >= max ? bins : Math.max(0, Math.floor(v / width))].count++;
  return out;
}

export interface Cell {
  model: string;
  correlation: number;
  labelCorrelation: number;
  lr: number;
  task: number;
  /** Values of the --set axis columns, in `axes` order ([] without any). */
  at: string[];
  ok: Row[];
  diverged: number;
}

/** Groups runs.csv rows by (model, correlation, lr, task and any --set axes), in file order. */
export function cells(rows: Row[], axes: string[] = []): Cell[] {
  const by = new Map<string, Cell>();
  for (const r of rows) {
    const at = axes.map((a) => r[a]);
    const key = `${r.model}|${r.correlation}|${r.lr}|${r.task}|${at.join('|')}`;
    if (!by.has(key)) by.set(key, { model: r.model, correlation: Number(r.correlation), labelCorrelation: Number(r.label_correlation), lr: Number(r.lr), task: Number(r.task), at, ok: [], diverged: 0 });
    const c = by.get(key)!;
    if (r.status === 'ok') c.ok.push(r);
    else c.diverged++;
  }
  return [...by.values()];
}

/** Best lr per (model, correlation, metric): lowest mean over both tasks' runs. */
function bestLrs(all: Cell[], metric: Metric): Map<string, number> {
  const sums = new Map<string, { lr: number; sum: number; n: number }[]>();
  for (const c of all) {
    const key = `${c.model}|${c.correlation}|${c.at.join('|')}`;
    if (!sums.has(key)) sums.set(key, []);
    const list = sums.get(key)!;
    let e = list.find((x) => x.lr === c.lr);
    if (!e) list.push((e = { lr: c.lr, sum: 0, n: 0 }));
    for (const r of c.ok) (e.sum += Number(r[METRICS[metric]])), e.n++;
  }
  const best = new Map<string, number>();
  for (const [key, list] of sums) {
    const scored = list.filter((e) => e.n > 0).sort((a, b) => a.sum / a.n - b.sum / b.n);
    if (scored.length) best.set(key, scored[0].lr);
  }
  return best;
}

export function writeSummaries(dir: string): string[] {
  const cfg = readManifestConfig(dir);
  const axes = Object.keys((cfg.sweep as { grid?: Record<string, unknown> }).grid ?? {});
  const all = cells(readCsv(dir, 'runs'), axes);
  const hasBaseline = all.some((c) => c.model === BASELINE);
  const summary: unknown[][] = [];
  const hist: unknown[][] = [];
  for (const metric of Object.keys(METRICS) as Metric[]) {
    const best = bestLrs(all, metric);
    for (const c of all) {
      const values = c.ok.map((r) => Number(r[METRICS[metric]]));
      const d = describe(values);
      const isBest = best.get(`${c.model}|${c.correlation}|${c.at.join('|')}`) === c.lr;
      // blank mtl_gain: no single-task in the sweep, or a diverged side (one spelling of missing: empty)
      const gains = c.ok.filter((r) => (r.mtl_gain ?? '') !== '').map((r) => Number(r.mtl_gain));
      const g = meanCi(gains);
      const gain = hasBaseline ? [gains.length, gains.length ? g.mean : '', Number.isFinite(g.low) ? g.low : '', Number.isFinite(g.high) ? g.high : ''] : ['', '', '', ''];
      const id = [c.model, c.correlation, c.labelCorrelation, c.lr, c.task, metric];
      summary.push([...id, d.n, c.diverged, d.mean, d.std, d.min, d.q25, d.median, d.q75, d.max, isBest, ...gain, ...c.at]);
      for (const b of histogram(values, cfg.report.histogramBins, cfg.report.histogramMax)) {
        hist.push([...id, b.start, b.end, b.count, d.n > 0 ? b.count / d.n : 0, ...c.at]);
      }
    }
  }
  return [writeCsv(dir, 'summary', summary, axes), writeCsv(dir, 'histogram', hist, axes)];
}
