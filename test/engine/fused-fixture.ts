// Shared by the fused engine's tests: shapes, stacked initial parameters, batches, and the tfjs
// reference (src/models' forward + the trainer's loss) on the same numbers.
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../../src/engine/adam';
import { Params, initParams } from '../../src/engine/params';
import { DataConfig, RunData, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { stream } from '../../src/engine/random';
import { FusedShape } from '../../src/engine/fused';
import { SUCCESSOR_DEFAULTS } from '../../src/models/types';
import { architecture } from '../../src/models/zoo';

export const MODELS = ['mmoe', 'omoe', 'shared-bottom'];
/** The successors with a fused path (src/engine/fused/graph.ts), in the priority order. */
export const SUCCESSORS = ['single-task', 'cgc', 'ple', 'cross-stitch', 'l2-constrained'];
export const TINY: FusedShape = { inputDim: 5, tasks: 2, bottomUnits: 6, experts: 3, expertUnits: 4, towerUnits: 3 };
/** The paper's sizes (§5.1): full 4×8 product tiles, and the tfjs reference's experts products on XNNPACK. */
export const PAPER: FusedShape = { inputDim: 100, tasks: 2, bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8 };

/** The paper's sizes with the successors' defaults (src/models/types.ts), as the trainer's shapes carry them. */
export const DEFAULT: FusedShape = { ...PAPER, ...SUCCESSOR_DEFAULTS };
/**
 * A small odd shape: three tasks (so three-way stitch, gates over three tasks' experts, three
 * penalty pairs), vector widths with scalar tails, three PLE levels, a λ large enough to matter.
 */
export const ODD: FusedShape = {
  inputDim: 5, tasks: 3, bottomUnits: 6, experts: 3, expertUnits: 5, towerUnits: 3, taskUnits: 7,
  cgcTaskExperts: 1, cgcSharedExperts: 2, pleTaskExperts: 2, pleSharedExperts: 1, pleLevels: 3, l2Lambda: 0.05,
};

/** tfjs variables from the runs' seeds, with every value (biases too) moved by N(0, jitter²) so no gradient is trivially zero. */
export function referenceParams(model: string, shape: FusedShape, seeds: number[], jitter: number): Params {
  const params = initParams(architecture(model).params(shape), seeds);
  for (const [name, v] of Object.entries(params)) {
    const s = stream(`fused-test:${name}`);
    const moved = Float32Array.from(v.dataSync(), (a) => a + jitter * s.normal());
    v.assign(tf.tensor(moved, v.shape));
  }
  return params;
}

/** The stacked values by name, as FusedArchitecture.create takes them. */
export function stackedValues(params: Params): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(params).map(([name, v]) => [name, Float32Array.from(v.dataSync())]));
}

export function normalBatch(key: string, R: number, n: number, shape: FusedShape): { x: Float32Array; y: Float32Array } {
  const s = stream(key);
  return {
    x: Float32Array.from({ length: R * n * shape.inputDim }, () => s.normal()),
    y: Float32Array.from({ length: R * n * shape.tasks }, () => s.normal()),
  };
}

/** The tfjs trainer's objective (src/train/replicas.ts): Σ over replicas and tasks of the batch MSE. */
export function referenceLoss(model: string, shape: FusedShape, params: Params, x: tf.Tensor3D, y: tf.Tensor3D): tf.Scalar {
  const arch = architecture(model);
  const total = tf.sum(tf.mean(tf.squaredDifference(arch.forward(params, x, shape).predictions, y), 1)) as tf.Scalar;
  // an architecture's own term (l2-constrained's λ·Σ‖θ_k − θ_l‖²), added as the trainer adds it
  return arch.penalty ? (tf.add(total, arch.penalty(params, shape)) as tf.Scalar) : total;
}

/** ‖a − b‖ / ‖b‖ */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** The fused gradients against tfjs autodiff of the reference loss: relative error ≤ 1e-4 per parameter tensor. */
export function assertMatchesAutodiff(model: string, shape: FusedShape, params: Params,
  grads: Record<string, Float32Array>, x: Float32Array, y: Float32Array, R: number, n: number): void {
  const names = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
  const reference = tf.tidy(() => {
    const xs = tf.tensor3d(x, [R, n, shape.inputDim]), ys = tf.tensor3d(y, [R, n, shape.tasks]);
    const { grads: g } = tf.variableGrads(() => referenceLoss(model, shape, params, xs, ys), Object.values(params));
    return Object.fromEntries(Object.entries(g).map(([v, t]) => [names.get(v)!, t.dataSync() as Float32Array]));
  });
  assert.deepEqual(Object.keys(grads).sort(), Object.keys(reference).sort());
  for (const [name, ref] of Object.entries(reference)) {
    assert.equal(grads[name].length, ref.length, name);
    const err = relativeError(grads[name], ref);
    assert.ok(err <= 1e-4, `${model} ${name}: relative error ${err} against tfjs autodiff`);
  }
}

/** The study's generator at the paper's input size, as the trajectory tests draw it (fresh rows every step). */
export const DATA: DataConfig = {
  dim: PAPER.inputDim, scale: 1, sinusoids: 3, alpha: [1.2, 3.4, 7.2], beta: [3.1416, 1.5708, 1.5708],
  alphaStd: 1, betaStd: 1, noiseStd: 0.1, trainSize: 0, evalSize: 300,
};
/** Rows per training batch (the trainer's). */
export const B = 128;

/** The runs' data at correlation 0.5, one per seed. */
export function runs(seeds: number[]): RunData[] {
  const constants = studyConstants(DATA, 1);
  return seeds.map((seed) => makeRunData(DATA, 0.5, constants, seed));
}

/** Every run's next batch, stacked [R, B, ·] as the trainer lays it out. */
export function batcher(data: RunData[], shape: FusedShape): () => { x: Float32Array; y: Float32Array } {
  const R = data.length, d = shape.inputDim;
  const x = new Float32Array(R * B * d), y = new Float32Array(R * B * TASKS);
  return () => {
    data.forEach((r, i) => r.batches.next({ n: B, x: x.subarray(i * B * d, (i + 1) * B * d), y: y.subarray(i * B * TASKS, (i + 1) * B * TASKS) }));
    return { x, y };
  };
}

/** The tfjs trainer's step (its loss and penalty as src/train/engines.ts, then Adam): each replica's per-task batch MSE before the update. */
export function tfjsStep(model: string, shape: FusedShape, params: Params, optimizer: Adam): (x: Float32Array, y: Float32Array) => Float32Array {
  const names = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
  const arch = architecture(model), R = Object.values(params)[0].shape[0];
  return (x, y) => tf.tidy(() => {
    const xs = tf.tensor3d(x, [R, B, shape.inputDim]), ys = tf.tensor3d(y, [R, B, TASKS]);
    let perTask: tf.Tensor | null = null;
    const { grads } = tf.variableGrads(() => {
      perTask = tf.keep(tf.mean(tf.squaredDifference(arch.forward(params, xs, shape).predictions, ys), 1));
      const total = tf.sum(perTask as tf.Tensor) as tf.Scalar;
      return arch.penalty ? (tf.add(total, arch.penalty(params, shape)) as tf.Scalar) : total;
    }, Object.values(params));
    optimizer.apply(Object.fromEntries(Object.entries(grads).map(([v, g]) => [names.get(v)!, g])));
    return (perTask as unknown as tf.Tensor).dataSync() as Float32Array;
  });
}
