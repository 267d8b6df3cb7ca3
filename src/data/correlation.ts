// Paper Figure 2: Pearson correlation of the two labels as a function of the cosine p.
import { stream } from '../engine/random';
import { Constants, DataConfig, Rows, TASKS, makeTaskPair, sampleRows } from './generator';

export function labelPearson(rows: Rows): number {
  let m1 = 0, m2 = 0;
  for (let r = 0; r < rows.n; r++) {
    m1 += rows.y[r * TASKS];
    m2 += rows.y[r * TASKS + 1];
  }
  m1 /= rows.n;
  m2 /= rows.n;
  let s11 = 0, s22 = 0, s12 = 0;
  for (let r = 0; r < rows.n; r++) {
    const a = rows.y[r * TASKS] - m1;
    const b = rows.y[r * TASKS + 1] - m2;
    s11 += a * a;
    s22 += b * b;
    s12 += a * b;
  }
  return s12 / Math.sqrt(s11 * s22);
}

export interface CorrelationPoint {
  cosine: number;
  trials: number;
  rows: number;
  mean: number;
  /** Two standard deviations over trials (the paper's error bars). */
  twoStd: number;
}

/** Each trial draws a fresh task pair and fresh rows from its own seed; α, β stay the study's constants. */
export function labelCorrelationCurve(
  cfg: DataConfig, constants: Constants, cosines: number[], trials: number, rows: number, seed: number,
): CorrelationPoint[] {
  return cosines.map((cosine) => {
    const values: number[] = [];
    for (let t = 0; t < trials; t++) {
      const s = stream(`${seed}:fig2:${cosine}:${t}`);
      const task = makeTaskPair(cfg, cosine, constants, s);
      values.push(labelPearson(sampleRows(task, cfg, rows, s)));
    }
    const mean = values.reduce((a, b) => a + b, 0) / trials;
    const sd = trials > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (trials - 1)) : 0;
    return { cosine, trials, rows, mean, twoStd: 2 * sd };
  });
}
