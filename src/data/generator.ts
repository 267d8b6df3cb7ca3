// Synthetic task pairs with controllable correlation (paper §3.2).
//   x ~ N(0, I_d);  w1 = c·u1,  w2 = c·(p·u1 + sqrt(1−p²)·u2)
//   y_k = w_kᵀx + Σ_{i=1..m} sin(α_i·w_kᵀx + β_i) + ε_k,  ε_k ~ N(0, σ²)
import { Stream, fillNormal, stream } from '../engine/random';

export const TASKS = 2;

/**
 * Which draws a seed stands for, recorded in manifest.json so no folder mixes two. 1: seedrandom's
 * alea with Box–Muller, run seeds keyed by correlation. 2: xoshiro128** with a ziggurat, run seeds
 * from (base seed, run) alone (paired across correlations), each batch's inputs drawn before its noise.
 */
export const DATA_STREAM_VERSION = 2;

export interface DataConfig {
  /** d: input dimension. */
  dim: number;
  /** c: norm of each task's weight vector. */
  scale: number;
  /** m: number of sinusoids. */
  sinusoids: number;
  /** Fixed α_i (length m), or null to draw α_i ~ N(0, alphaStd²) from the sweep seed. */
  alpha: number[] | null;
  /** Fixed β_i (length m), or null to draw β_i ~ N(0, betaStd²) from the sweep seed. */
  beta: number[] | null;
  alphaStd: number;
  betaStd: number;
  /** σ: standard deviation of the label noise ε. */
  noiseStd: number;
  /** Training rows per run; 0 streams fresh rows every step. */
  trainSize: number;
  /** Held-out rows per run (fixed for the run). */
  evalSize: number;
}

/** α, β: constants of the study, shared by both tasks and by every run of a sweep. */
export interface Constants {
  alpha: number[];
  beta: number[];
}

export interface TaskPair {
  correlation: number;
  /** w1, w2, each of length d. */
  weights: [Float64Array, Float64Array];
  constants: Constants;
}

/** Rows in row-major order: x is n×d, y is n×2 (y1, y2 interleaved). */
export interface Rows {
  n: number;
  x: Float32Array;
  y: Float32Array;
}

export function studyConstants(cfg: DataConfig, seed: number): Constants {
  const s = stream(`${seed}:constants`);
  const draw = (fixed: number[] | null, std: number) =>
    fixed ? fixed.slice() : Array.from({ length: cfg.sinusoids }, () => s.normal() * std);
  const alpha = draw(cfg.alpha, cfg.alphaStd);
  const beta = draw(cfg.beta, cfg.betaStd);
  return { alpha, beta };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Two orthonormal vectors by Gram–Schmidt on Gaussian draws (isotropic, so any pair serves). */
export function orthonormalPair(dim: number, s: Stream): [Float64Array, Float64Array] {
  if (dim < 2) throw new RangeError(`dim must be at least 2, got ${dim}`);
  const u1 = Float64Array.from({ length: dim }, () => s.normal());
  const u2 = Float64Array.from({ length: dim }, () => s.normal());
  const n1 = Math.sqrt(dot(u1, u1));
  for (let i = 0; i < dim; i++) u1[i] /= n1;
  const proj = dot(u1, u2);
  for (let i = 0; i < dim; i++) u2[i] -= proj * u1[i];
  const n2 = Math.sqrt(dot(u2, u2));
  for (let i = 0; i < dim; i++) u2[i] /= n2;
  return [u1, u2];
}

export function makeTaskPair(cfg: DataConfig, correlation: number, constants: Constants, s: Stream): TaskPair {
  const [u1, u2] = orthonormalPair(cfg.dim, s);
  const c = cfg.scale;
  const p = correlation;
  const q = Math.sqrt(Math.max(0, 1 - p * p));
  const w1 = u1.map((v) => c * v);
  const w2 = u1.map((v, i) => c * (p * v + q * u2[i]));
  return { correlation, weights: [w1, w2], constants };
}

/**
 * Draws n rows of (x, y1, y2) into fresh arrays, or into `into` when given (which must hold n rows).
 * Row by row, its d inputs then ε1, ε2: d + 2 draws per row in an order that depends neither on p
 * (run i's x and noise are the same at every correlation: a paired design; only w2 moves y2) nor
 * on how the rows are split into calls (batches, `generate`'s chunks).
 */
export function sampleRows(task: TaskPair, cfg: DataConfig, n: number, s: Stream, into?: Rows): Rows {
  const d = cfg.dim;
  const rows = into ?? { n, x: new Float32Array(n * d), y: new Float32Array(n * TASKS) };
  const { x, y } = rows;
  const { alpha, beta } = task.constants;
  const m = alpha.length;
  const [w1, w2] = task.weights;
  for (let r = 0, off = 0; r < n; r++, off += d) {
    fillNormal(s, x, 1, off, off + d);
    fillNormal(s, y, cfg.noiseStd, r * TASKS, r * TASKS + TASKS); // y holds ε until f(wᵀx) is added
    let z1 = 0, z2 = 0;
    for (let j = 0; j < d; j++) {
      const v = x[off + j];
      z1 += w1[j] * v;
      z2 += w2[j] * v;
    }
    // paper §3.2: y_k = w_kᵀx + Σ_i sin(α_i·w_kᵀx + β_i) + ε_k
    let f1 = z1, f2 = z2;
    for (let i = 0; i < m; i++) {
      f1 += Math.sin(alpha[i] * z1 + beta[i]);
      f2 += Math.sin(alpha[i] * z2 + beta[i]);
    }
    y[r * TASKS] += f1;
    y[r * TASKS + 1] += f2;
  }
  return rows;
}

/** Fills one training batch per call: shuffled epochs over a fixed set, or fresh rows when streaming. */
export interface BatchSource {
  next(into: Rows): void;
}

export function fixedBatches(train: Rows, dim: number, s: Stream): BatchSource {
  const order = Uint32Array.from({ length: train.n }, (_, i) => i);
  let pos = train.n;
  return {
    next(into) {
      for (let r = 0; r < into.n; r++) {
        if (pos === train.n) {
          // Fisher–Yates: a new permutation every epoch
          for (let i = train.n - 1; i > 0; i--) {
            const j = Math.floor(s.uniform() * (i + 1));
            const t = order[i];
            order[i] = order[j];
            order[j] = t;
          }
          pos = 0;
        }
        const src = order[pos++];
        into.x.set(train.x.subarray(src * dim, (src + 1) * dim), r * dim);
        into.y.set(train.y.subarray(src * TASKS, (src + 1) * TASKS), r * TASKS);
      }
    },
  };
}

export function streamingBatches(task: TaskPair, cfg: DataConfig, s: Stream): BatchSource {
  return { next: (into) => void sampleRows(task, cfg, into.n, s, into) };
}

/** Everything one run needs, drawn from that run's seed alone: the same seed gives the same data for every model. */
export interface RunData {
  task: TaskPair;
  eval: Rows;
  batches: BatchSource;
}

/** Run `runSeed`'s task pair: the same for every model and lr. */
export function runTaskPair(cfg: DataConfig, correlation: number, constants: Constants, runSeed: number): TaskPair {
  return makeTaskPair(cfg, correlation, constants, stream(`${runSeed}:task`));
}

/** The stream run `runSeed`'s fixed training rows are drawn from (also what `generate` writes). */
export function trainRowStream(runSeed: number): Stream {
  return stream(`${runSeed}:train`);
}

export function makeRunData(cfg: DataConfig, correlation: number, constants: Constants, runSeed: number): RunData {
  const task = runTaskPair(cfg, correlation, constants, runSeed);
  const evalRows = sampleRows(task, cfg, cfg.evalSize, stream(`${runSeed}:eval`));
  const batches =
    cfg.trainSize === 0
      ? streamingBatches(task, cfg, stream(`${runSeed}:stream`))
      : fixedBatches(sampleRows(task, cfg, cfg.trainSize, trainRowStream(runSeed)), cfg.dim, stream(`${runSeed}:batches`));
  return { task, eval: evalRows, batches };
}

