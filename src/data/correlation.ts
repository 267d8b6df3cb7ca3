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

/**
 * Each trial draws a fresh task pair and fresh rows from its own seed, the same at every cosine (as a
 * sweep's runs are: trial t shares u1, u2, x and ε across cosines, so the curve is paired); α, β stay
 * the study's constants.
 */
export function labelCorrelationCurve(
  cfg: DataConfig, constants: Constants, cosines: number[], trials: number, rows: number, seed: number,
): CorrelationPoint[] {
  return cosines.map((cosine) => {
    const values: number[] = [];
    for (let t = 0; t < trials; t++) {
      const s = stream(`${seed}:fig2:${t}`);
      const task = makeTaskPair(cfg, cosine, constants, s);
      values.push(labelPearson(sampleRows(task, cfg, rows, s)));
    }
    const mean = values.reduce((a, b) => a + b, 0) / trials;
    const sd = trials > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (trials - 1)) : 0;
    return { cosine, trials, rows, mean, twoStd: 2 * sd };
  });
}

/**
 * Closed-form label correlation for cosine p. z_k = w_kᵀx are jointly Gaussian (variance s = c²,
 * covariance s·p), so with E[cos(u z1 + v z2 + φ)] = cos φ·exp(−(u² + v² + 2uvp)s/2) and
 * Stein's lemma for Cov(z1, sin(α z2 + β)):
 *   Cov(y1, y2) = s·p + 2·s·p·Σ_i α_i cos β_i e^{−α_i² s/2}
 *               + Σ_ij ½cos(β_i−β_j)e^{−(α_i²+α_j²−2α_iα_j p)s/2} − ½cos(β_i+β_j)e^{−(α_i²+α_j²+2α_iα_j p)s/2} − E_i E_j
 *   Var(y_k) = Cov at p = 1, plus σ².
 */
export function theoreticalLabelCorrelation(cfg: DataConfig, constants: Constants, p: number): number {
  const s = cfg.scale * cfg.scale;
  const { alpha: a, beta: b } = constants;
  const cov = (q: number) => {
    let v = s * q;
    for (let i = 0; i < a.length; i++) v += 2 * s * q * a[i] * Math.cos(b[i]) * Math.exp((-a[i] * a[i] * s) / 2);
    for (let i = 0; i < a.length; i++) {
      const Ei = Math.sin(b[i]) * Math.exp((-a[i] * a[i] * s) / 2);
      for (let j = 0; j < a.length; j++) {
        const Ej = Math.sin(b[j]) * Math.exp((-a[j] * a[j] * s) / 2);
        const sq = a[i] * a[i] + a[j] * a[j];
        v += 0.5 * Math.cos(b[i] - b[j]) * Math.exp((-(sq - 2 * a[i] * a[j] * q) * s) / 2);
        v -= 0.5 * Math.cos(b[i] + b[j]) * Math.exp((-(sq + 2 * a[i] * a[j] * q) * s) / 2);
        v -= Ei * Ej;
      }
    }
    return v;
  };
  return cov(p) / (cov(1) + cfg.noiseStd * cfg.noiseStd);
}

/**
 * The cosines [lo, 1] over which the label correlation rises monotonically to its value at p = 1,
 * and the label correlations they reach. (It need not be monotone on all of [-1, 1]: with even
 * terms such as cos(α·z), p = −1 correlates the labels again.)
 */
export function labelCorrelationRange(cfg: DataConfig, constants: Constants): { lo: number; min: number; max: number } {
  const steps = 400;
  const p = (i: number) => -1 + (2 * i) / steps;
  const rho = (i: number) => theoreticalLabelCorrelation(cfg, constants, p(i));
  let i = steps;
  while (i > 0 && rho(i - 1) <= rho(i)) i--;
  return { lo: p(i), min: rho(i), max: rho(steps) };
}

/**
 * The cosine p whose label correlation is `target`: bisection on the closed form (exact for this
 * generator; the tests check it against simulation), on the monotone stretch ending at p = 1.
 * Rounded to 6 decimals, which moves the label correlation far less than a 10k-row sample's spread.
 */
export function cosineForLabelCorrelation(cfg: DataConfig, constants: Constants, target: number): number {
  const { lo: start, min, max } = labelCorrelationRange(cfg, constants);
  if (target < min || target > max) throw new RangeError(`label correlation ${target} is outside [${min.toFixed(4)}, ${max.toFixed(4)}]`);
  let lo = start;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (theoreticalLabelCorrelation(cfg, constants, mid) < target) lo = mid;
    else hi = mid;
  }
  return Math.round(((lo + hi) / 2) * 1e6) / 1e6;
}
