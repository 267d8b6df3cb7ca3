// What every fused engine (dense.ts, graph.ts) does the same way around its forward and backward:
// named parameters as views into a replica's block of floats, moving them in and out stacked
// [R, ...shape] by name, Adam over a whole block, and walking replicas' rows in chunks.
import * as tf from '@tensorflow/tfjs';
import { Kernels } from './arena';

/** One named parameter inside a replica's block: rows × cols at `off`, rows `stride` apart. */
export interface View {
  off: number;
  rows: number;
  cols: number;
  stride: number;
}

/** Rows per chunk when evaluating or averaging gates over many rows. */
export const CHUNK = 256;

/** Writes each replica's initial values (stacked by name) into its block: replica r's at F[at + r·P]. */
export function placeInitial(F: Float32Array, views: Map<string, View>, initial: Record<string, Float32Array>, R: number, P: number, at: number): void {
  for (const [name, v] of views) {
    const src = initial[name];
    if (!src || src.length !== R * v.rows * v.cols) {
      throw new Error(`fused engine: initial value of ${name} must have ${R * v.rows * v.cols} floats, got ${src?.length}`);
    }
    for (let r = 0; r < R; r++) {
      for (let i = 0; i < v.rows; i++) {
        const from = (r * v.rows + i) * v.cols;
        F.set(src.subarray(from, from + v.cols), at + r * P + v.off + i * v.stride);
      }
    }
  }
}

/** By name, stacked over `count` blocks: block(r) is block r's first float. */
export function stacked(F: Float32Array, views: Map<string, View>, count: number, block: (r: number) => number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of views) {
    const a = new Float32Array(count * v.rows * v.cols);
    for (let r = 0; r < count; r++) {
      for (let i = 0; i < v.rows; i++) {
        const at = block(r) + v.off + i * v.stride;
        a.set(F.subarray(at, at + v.cols), (r * v.rows + i) * v.cols);
      }
    }
    out[name] = a;
  }
  return out;
}

/** One record per replica (each [1, ...shape] by name) → one record stacked [R, ...shape]. */
export function concatReplicas(names: Iterable<string>, each: Record<string, Float32Array>[]): Record<string, Float32Array> {
  const all: Record<string, Float32Array> = {};
  for (const name of names) {
    const parts = each.map((g) => g[name]);
    all[name] = new Float32Array(parts.reduce((a, g) => a + g.length, 0));
    parts.forEach((g, r) => all[name].set(g, r * g.length));
  }
  return all;
}

/** Adam (Kingma & Ba) as tf.train.adam: its defaults, its float32 order (kernels.c adam), β^t kept in float32. */
export function adamSteps(lr: number) {
  const f = Math.fround;
  const beta1 = 0.9, beta2 = 0.999, epsilon = tf.backend().epsilon();
  let accBeta1 = f(beta1), accBeta2 = f(beta2);
  return {
    setLearningRate(rate: number): void {
      lr = rate;
    },
    /** One block of P floats (byte offsets of parameters, gradients and the two moments). */
    update(K: Kernels, par: number, grad: number, m1: number, m2: number, P: number): void {
      K.adam(par, grad, m1, m2, P, beta1, beta2, 1 - beta1, 1 - beta2, 1 - accBeta1, 1 - accBeta2, epsilon, -lr);
    },
    /** After every replica's update of a step. */
    advance(): void {
      accBeta1 = f(accBeta1 * f(beta1));
      accBeta2 = f(accBeta2 * f(beta2));
    },
  };
}

/** fn over every replica's n rows in chunks of at most CHUNK (after ensure has room for a chunk). */
export function chunks(R: number, n: number, ensure: (rows: number) => void, fn: (r: number, from: number, len: number) => void): void {
  ensure(Math.min(n, CHUNK));
  for (let r = 0; r < R; r++) {
    for (let from = 0; from < n; from += CHUNK) fn(r, from, Math.min(CHUNK, n - from));
  }
}

/** FusedGroup.gradients for either engine: lossAndGrad(r, losses) leaves replica r's gradients where gradient() reads them. */
export function replicaGradients(R: number, T: number, names: Iterable<string>, lossAndGrad: (r: number, losses: Float32Array) => void, gradient: () => Record<string, Float32Array>) {
  const losses = new Float32Array(R * T);
  const grads: Record<string, Float32Array>[] = [];
  for (let r = 0; r < R; r++) {
    lossAndGrad(r, losses);
    grads.push(gradient());
  }
  return { losses, grads: concatReplicas(names, grads) };
}

/**
 * Per replica, `width` sums over its n rows divided by n (evaluate's per-task MSE, gateMeans'
 * mean gate weights): chunk by chunk, `add(r, from, len)` adds a chunk into sums() (restarted at
 * zero for each replica), [R, width] out.
 */
export function replicaMeans(R: number, width: number, n: number, ensure: (rows: number) => void, sums: () => Float64Array, add: (r: number, from: number, len: number) => void): Float32Array {
  const out = new Float32Array(R * width);
  chunks(R, n, ensure, (r, from, len) => {
    if (from === 0) sums().fill(0);
    add(r, from, len);
    if (from + len === n) {
      const s = sums();
      for (let i = 0; i < width; i++) out[r * width + i] = s[i] / n;
    }
  });
  return out;
}
