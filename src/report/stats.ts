// The statistics behind the verdict, implemented here so every number can be traced:
// distributions (normal, Student t), rank tests (Wilcoxon signed-rank, Mann–Whitney U),
// a seeded bootstrap, and the runs a test needs to resolve an effect.
import { stream } from '../engine/random';
import { quantile } from './summary';

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n − 1). */
export function sd(xs: number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

export function iqr(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return quantile(s, 0.75) - quantile(s, 0.25);
}

// ---- distributions ----------------------------------------------------------------------

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x) (series below a + 1, continued fraction above, so tails keep their precision). */
function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) sum += term *= x / (a + n);
    return 1 - sum * front;
  }
  // Lentz's method for the continued fraction of Q(a, x)
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return front * h;
}

/** erfc(x) = Q(½, x²) for x ≥ 0. */
function erfc(x: number): number {
  const tail = gammaQ(0.5, x * x);
  return x >= 0 ? tail : 2 - tail;
}

/** P(Z ≤ z) for Z ~ N(0, 1). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** The z with P(Z ≤ z) = p (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9)
  const g = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  x -= 1;
  let s = g[0];
  for (let i = 1; i < 9; i++) s += g[i] / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Regularized incomplete beta I_x(a, b) (continued fraction, Numerical Recipes' betacf). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  let f = 1;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < 1e-300) d = 1e-300;
  d = 1 / d;
  f = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    f *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    c = 1 + aa / c;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return (front * f) / a;
}

/** P(T ≤ t) for Student's t with df degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p, by bisection on tCdf. */
export function tQuantile(p: number, df: number): number {
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean with its two-sided t confidence interval (NaN bounds for fewer than 2 values). */
export function meanCi(xs: number[], level = 0.95): { mean: number; low: number; high: number } {
  const m = mean(xs);
  if (xs.length < 2) return { mean: m, low: NaN, high: NaN };
  const half = tQuantile(1 - (1 - level) / 2, xs.length - 1) * (sd(xs) / Math.sqrt(xs.length));
  return { mean: m, low: m - half, high: m + half };
}

// ---- ranks ------------------------------------------------------------------------------

/** 1-based ranks, ties given their average rank; also the tie group sizes. */
export function ranks(xs: number[]): { ranks: number[]; ties: number[] } {
  const order = xs.map((x, i) => i).sort((i, j) => xs[i] - xs[j]);
  const out = new Array<number>(xs.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && xs[order[j + 1]] === xs[order[i]]) j++;
    for (let k = i; k <= j; k++) out[order[k]] = (i + j + 2) / 2;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks: out, ties };
}

export interface RankTest {
  /** 'exact' (permutation distribution of the ranks, ties included) or 'normal' (with tie and continuity corrections). */
  method: 'exact' | 'normal';
  /** W+ for Wilcoxon, U of the first sample for Mann–Whitney. */
  statistic: number;
  /** Two-sided p-value. */
  p: number;
  /** One-sided p-value for "the first sample / the differences tend to be larger": P(statistic ≥ observed) under H0. */
  pGreater: number;
  /** Rank-biserial correlation in [−1, 1]: > 0 when the first sample / the differences tend to be larger. */
  rankBiserial: number;
  /** Observations used (Wilcoxon: non-zero differences). */
  n: number;
}

/** Two-sided and upper one-sided p from an exact null distribution over doubled rank sums: probs[s] = P(2·T = s). */
function exactTails(probs: number[], observed2: number): { p: number; pGreater: number } {
  let below = 0;
  let above = 0;
  for (let s = 0; s < probs.length; s++) {
    if (s <= observed2 + 1e-9) below += probs[s];
    if (s >= observed2 - 1e-9) above += probs[s];
  }
  return { p: Math.min(1, 2 * Math.min(below, above)), pGreater: Math.min(1, above) };
}

/** Two-sided and upper one-sided p of a statistic with null mean mu and variance v (normal, continuity-corrected). */
function normalTails(statistic: number, mu: number, v: number): { p: number; pGreater: number } {
  if (!(v > 0)) return { p: 1, pGreater: 1 };
  const z = Math.max(0, Math.abs(statistic - mu) - 0.5) / Math.sqrt(v);
  return { p: Math.min(1, 2 * normalCdf(-z)), pGreater: normalCdf(-(statistic - mu - 0.5) / Math.sqrt(v)) };
}

/**
 * Wilcoxon signed-rank test of H0: the differences are symmetric about 0. Zero differences
 * are dropped (Wilcoxon's method). Exact permutation distribution of W+ (conditional on the
 * tied ranks) up to 50 non-zero differences, else the normal approximation with tie
 * correction and continuity correction.
 */
export function wilcoxonSignedRank(diffs: number[], method: 'auto' | 'exact' | 'normal' = 'auto'): RankTest {
  const d = diffs.filter((x) => x !== 0);
  const n = d.length;
  if (n === 0) return { method: 'exact', statistic: 0, p: 1, pGreater: 1, rankBiserial: 0, n: 0 };
  const { ranks: r, ties } = ranks(d.map(Math.abs));
  const wPlus = d.reduce((a, x, i) => a + (x > 0 ? r[i] : 0), 0);
  const total = (n * (n + 1)) / 2;
  const rankBiserial = (2 * wPlus - total) / total;
  const use = method === 'auto' ? (n <= 50 ? 'exact' : 'normal') : method;
  if (use === 'exact') {
    // each doubled rank is in or out of W+ with probability 1/2
    let probs = [1];
    for (const ri of r) {
      const k = Math.round(2 * ri);
      const next = new Array<number>(probs.length + k).fill(0);
      for (let s = 0; s < probs.length; s++) {
        next[s] += probs[s] / 2;
        next[s + k] += probs[s] / 2;
      }
      probs = next;
    }
    return { method: 'exact', statistic: wPlus, ...exactTails(probs, 2 * wPlus), rankBiserial, n };
  }
  const mu = total / 2;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - ties.reduce((a, t) => a + (t ** 3 - t), 0) / 48;
  return { method: 'normal', statistic: wPlus, ...normalTails(wPlus, mu, variance), rankBiserial, n };
}

/**
 * Mann–Whitney U test of H0: x and y come from the same distribution. U counts pairs with
 * x > y (ties count ½). Exact permutation distribution of the rank sum (conditional on ties)
 * when n1 + n2 ≤ 60, else the normal approximation with tie and continuity corrections.
 */
export function mannWhitneyU(x: number[], y: number[], method: 'auto' | 'exact' | 'normal' = 'auto'): RankTest {
  const n1 = x.length;
  const n2 = y.length;
  const N = n1 + n2;
  if (n1 === 0 || n2 === 0) return { method: 'exact', statistic: NaN, p: 1, pGreater: 1, rankBiserial: 0, n: N };
  const { ranks: r, ties } = ranks([...x, ...y]);
  const r1 = r.slice(0, n1).reduce((a, b) => a + b, 0);
  const u = r1 - (n1 * (n1 + 1)) / 2;
  const rankBiserial = (2 * u) / (n1 * n2) - 1;
  const use = method === 'auto' ? (N <= 60 ? 'exact' : 'normal') : method;
  if (use === 'exact') {
    // count subsets of size n1 by their doubled rank sum: ways[k][s]
    const doubled = r.map((v) => Math.round(2 * v));
    const maxSum = doubled.reduce((a, b) => a + b, 0);
    const ways: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
    ways[0][0] = 1;
    for (const k of doubled) {
      // 0/1 knapsack: larger subsets first, so each item joins a subset at most once
      for (let j = n1 - 1; j >= 0; j--) for (let s = maxSum - k; s >= 0; s--) if (ways[j][s]) ways[j + 1][s + k] += ways[j][s];
    }
    const counts = ways[n1];
    const all = counts.reduce((a, b) => a + b, 0);
    const probs = Array.from(counts, (c) => c / all);
    return { method: 'exact', statistic: u, ...exactTails(probs, 2 * r1), rankBiserial, n: N };
  }
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - ties.reduce((a, t) => a + (t ** 3 - t), 0) / (N * (N - 1)));
  return { method: 'normal', statistic: u, ...normalTails(u, mu, variance), rankBiserial, n: N };
}

// ---- bootstrap --------------------------------------------------------------------------

export interface Bootstrap {
  observed: number;
  /** Percentile interval at the given level. */
  low: number;
  high: number;
  /** Standard deviation of the resampled statistic. */
  se: number;
  /** Two-sided p-value for "the statistic is 0": twice the smaller share of resamples on either side of 0. */
  p: number;
  resamples: number;
}

/**
 * Resamples each sample's indices 0..n−1 with replacement from the seeded stream `key`. A
 * statistic reading two arrays through the same index set keeps paired data paired
 * (sizes [n]); independent samples get one index set each (sizes [n1, n2]).
 */
export function bootstrap(sizes: number[], statistic: (idx: number[][]) => number, key: string, resamples = 2000, level = 0.95): Bootstrap {
  const all = sizes.map((n) => Array.from({ length: n }, (_, i) => i));
  const observed = statistic(all);
  const s = stream(key);
  const values: number[] = [];
  for (let b = 0; b < resamples; b++) {
    const v = statistic(sizes.map((n) => Array.from({ length: n }, () => Math.floor(s.uniform() * n))));
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  const below = values.filter((v) => v <= 0).length;
  const above = values.filter((v) => v >= 0).length;
  const alpha = 1 - level;
  return {
    observed,
    low: quantile(values, alpha / 2),
    high: quantile(values, 1 - alpha / 2),
    se: sd(values),
    p: Math.min(1, (2 * (Math.min(below, above) + 1)) / (values.length + 1)),
    resamples: values.length,
  };
}

// ---- power ------------------------------------------------------------------------------

/**
 * Runs needed for a two-sided test at level alpha to detect an effect delta with the given
 * power (normal approximation): paired n = ((z_{1−α/2} + z_power)·σ_d/δ)²; two independent
 * samples need twice that per group with σ the per-run standard deviation.
 */
export function runsNeeded(delta: number, sigma: number, opts: { alpha: number; power: number; samples: 'paired' | 'two' }): number {
  if (!Number.isFinite(sigma) || !Number.isFinite(delta)) return NaN;
  if (delta === 0) return Infinity;
  const z = normalQuantile(1 - opts.alpha / 2) + normalQuantile(opts.power);
  const n = ((z * sigma) / delta) ** 2 * (opts.samples === 'two' ? 2 : 1);
  return Math.max(2, Math.ceil(n));
}

// ---- shift estimates --------------------------------------------------------------------

export interface Shift {
  /** Hodges–Lehmann estimate: the median of the Walsh averages (paired) or of all pairwise differences (two samples). */
  estimate: number;
  /** Distribution-free interval from the rank test's null distribution (normal approximation of its critical value); at very few runs it widens to the extreme differences. */
  low: number;
  high: number;
}

function orderInterval(sorted: number[], variance: number, level: number): Shift {
  const m = sorted.length;
  if (m === 0) return { estimate: NaN, low: NaN, high: NaN };
  const k = Math.max(1, Math.floor(m / 2 - normalQuantile(1 - (1 - level) / 2) * Math.sqrt(variance)));
  return { estimate: quantile(sorted, 0.5), low: sorted[Math.min(k, m) - 1], high: sorted[Math.max(m - k, 0)] };
}

/** Shift of paired differences d (the pseudo-median), with the interval that inverts the Wilcoxon signed-rank test. */
export function hodgesLehmannPaired(d: number[], level = 0.95): Shift {
  const walsh: number[] = [];
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) walsh.push((d[i] + d[j]) / 2);
  walsh.sort((a, b) => a - b);
  const n = d.length;
  return orderInterval(walsh, (n * (n + 1) * (2 * n + 1)) / 24, level);
}

/** Shift of y against x (y − x), with the interval that inverts the Mann–Whitney test. */
export function hodgesLehmannTwo(x: number[], y: number[], level = 0.95): Shift {
  const diffs: number[] = [];
  for (const a of x) for (const b of y) diffs.push(b - a);
  diffs.sort((a, b) => a - b);
  const n1 = x.length;
  const n2 = y.length;
  return orderInterval(diffs, (n1 * n2 * (n1 + n2 + 1)) / 12, level);
}

// ---- spread -----------------------------------------------------------------------------

/** P(F ≤ f) for Fisher's F with (d1, d2) degrees of freedom. */
export function fCdf(f: number, d1: number, d2: number): number {
  if (!(f > 0)) return 0;
  return incompleteBeta((d1 * f) / (d1 * f + d2), d1 / 2, d2 / 2);
}

/** |x − median| for each value: what the Brown–Forsythe test compares. */
export function absDeviations(xs: number[]): number[] {
  const med = quantile(xs.slice().sort((a, b) => a - b), 0.5);
  return xs.map((x) => Math.abs(x - med));
}

/** Mean absolute deviation from the median. */
export const meanAbsDeviation = (xs: number[]) => mean(absDeviations(xs));

/**
 * Brown–Forsythe test of equal spread (Levene's test centred on each group's median, as
 * scipy.stats.levene(center='median')): a one-way ANOVA of z = |x − median(group)|.
 * Outlying runs enter in proportion to their distance, so a bad mode in the tail counts.
 */
export function brownForsythe(groups: number[][]): { statistic: number; p: number; df1: number; df2: number } {
  const z = groups.map(absDeviations);
  const k = z.length;
  const N = z.reduce((a, g) => a + g.length, 0);
  const df1 = k - 1;
  const df2 = N - k;
  if (k < 2 || df2 < 1 || z.some((g) => g.length === 0)) return { statistic: NaN, p: 1, df1, df2 };
  const grand = mean(z.flat());
  const between = z.reduce((a, g) => a + g.length * (mean(g) - grand) ** 2, 0) / df1;
  const within = z.reduce((a, g) => a + g.reduce((b, v) => b + (v - mean(g)) ** 2, 0), 0) / df2;
  // no spread within groups to judge the difference by; rounding-level spread counts as none (two runs'
  // deviations from their median are equal, but float subtraction leaves ~1e-32 and F ~1e28)
  if (within <= (64 * Number.EPSILON * grand) ** 2) return { statistic: NaN, p: 1, df1, df2 };
  const statistic = between / within;
  return { statistic, p: 1 - fCdf(statistic, df1, df2), df1, df2 };
}
