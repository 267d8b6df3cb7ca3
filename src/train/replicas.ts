// Train R runs of one model as ONE batched computation: parameters stacked on a leading
// replica axis, each replica with its own data, its own Adam moments and its own loss.
// Adam is elementwise and the summed loss has a separate term per replica, so replica r's
// trajectory is the one it would follow trained alone (to float rounding).
import * as tf from '@tensorflow/tfjs';
import { adam } from '../engine/adam';
import { Params, disposeParams, initParams } from '../engine/params';
import { architecture } from '../models/zoo';
import { ModelShape } from '../models/types';

export interface TrainConfig {
  steps: number;
  batchSize: number;
  /** Learning rates of the sweep's grid; one group trains at one of them. */
  lr: number[];
  /** Evaluate on the held-out set every this many steps (and at the last step). */
  evalEvery: number;
}

/** Rows in row-major order: x is n×inputDim, y is n×tasks. The data module produces these. */
export interface Rows {
  n: number;
  x: Float32Array;
  y: Float32Array;
}

export interface ReplicaData {
  eval: Rows;
  batches: { next(into: Rows): void };
}

export interface ReplicaRun {
  run: number;
  seed: number;
  data: ReplicaData;
}

export interface Group {
  model: string;
  shape: ModelShape;
  lr: number;
  train: TrainConfig;
  runs: ReplicaRun[];
}

export interface CurvePoint {
  step: number;
  task: number;
  split: 'train' | 'eval';
  loss: number;
  normalized: number;
}

export interface RunResult {
  run: number;
  seed: number;
  status: 'ok' | 'diverged';
  /** Steps trained when the recorded losses were measured (less than the config's when diverged). */
  steps: number;
  /** Per task: mean training-batch MSE over the last eval interval. */
  trainLoss: number[];
  evalLoss: number[];
  /** MSE divided by the variance of the task's held-out labels (1 − R²). */
  trainNormalized: number[];
  evalNormalized: number[];
  curve: CurvePoint[];
  /** Mean gate weight over the held-out set, [gate][expert]; null for gateless models. */
  gates: number[][] | null;
  seconds: number;
}

/** Per-replica, per-task MSE: predictions and labels [R, B, T] → [R, T]. */
function mse(pred: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor2D {
  return tf.mean(tf.squaredDifference(pred, y), 1) as tf.Tensor2D;
}

function stackRows(rows: Rows[], dim: number, tasks: number): { x: tf.Tensor3D; y: tf.Tensor3D } {
  const n = rows[0].n;
  const x = new Float32Array(rows.length * n * dim);
  const y = new Float32Array(rows.length * n * tasks);
  rows.forEach((r, i) => {
    x.set(r.x, i * n * dim);
    y.set(r.y, i * n * tasks);
  });
  return { x: tf.tensor3d(x, [rows.length, n, dim]), y: tf.tensor3d(y, [rows.length, n, tasks]) };
}

function variance(rows: Rows, k: number, tasks: number): number {
  let m = 0;
  for (let r = 0; r < rows.n; r++) m += rows.y[r * tasks + k];
  m /= rows.n;
  let v = 0;
  for (let r = 0; r < rows.n; r++) v += (rows.y[r * tasks + k] - m) ** 2;
  return v / rows.n;
}

export function trainGroup(group: Group): RunResult[] {
  const started = Date.now();
  const arch = architecture(group.model);
  const { shape, train } = group;
  const R = group.runs.length;
  const B = train.batchSize;
  const d = shape.inputDim;
  const TASKS = shape.tasks;
  const params: Params = initParams(arch.params(shape), group.runs.map((r) => r.seed));
  const vars = Object.values(params);
  const paramName = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
  // one host-side pass over all parameters instead of ~15 kernels per variable (src/engine/adam.ts)
  const optimizer = adam(params, group.lr);
  const evalSet = stackRows(group.runs.map((r) => r.data.eval), d, TASKS);
  const evalVar = group.runs.map((r) => Array.from({ length: TASKS }, (_, k) => variance(r.data.eval, k, TASKS)));

  // one host buffer for the whole group's batch; replica i fills its own slice
  const xb = new Float32Array(R * B * d);
  const yb = new Float32Array(R * B * TASKS);
  const views: Rows[] = group.runs.map((_, i) => ({
    n: B,
    x: xb.subarray(i * B * d, (i + 1) * B * d),
    y: yb.subarray(i * B * TASKS, (i + 1) * B * TASKS),
  }));

  const results: RunResult[] = group.runs.map((r) => ({
    run: r.run, seed: r.seed, status: 'ok', steps: 0,
    trainLoss: [], evalLoss: [], trainNormalized: [], evalNormalized: [], curve: [], gates: null, seconds: 0,
  }));
  let trainSum: tf.Tensor2D = tf.zeros([R, TASKS]);
  let sinceEval = 0;

  for (let step = 1; step <= train.steps; step++) {
    group.runs.forEach((r, i) => r.data.batches.next(views[i]));
    const perTask = tf.tidy(() => {
      const xs = tf.tensor3d(xb, [R, B, d]);
      const ys = tf.tensor3d(yb, [R, B, TASKS]);
      let losses: tf.Tensor2D | null = null;
      const { grads } = tf.variableGrads(() => {
        losses = tf.keep(mse(arch.forward(params, xs, shape).predictions, ys));
        return tf.sum(losses);
      }, vars);
      optimizer.apply(Object.fromEntries(Object.entries(grads).map(([v, g]) => [paramName.get(v)!, g])));
      return losses as unknown as tf.Tensor2D;
    });
    const summed = tf.add(trainSum, perTask) as tf.Tensor2D;
    trainSum.dispose();
    perTask.dispose();
    trainSum = summed;
    sinceEval++;

    if (step % train.evalEvery === 0 || step === train.steps) {
      const trainMean = (trainSum.arraySync() as number[][]).map((row) => row.map((v) => v / sinceEval));
      const evalLoss = tf.tidy(() => mse(arch.forward(params, evalSet.x, shape).predictions, evalSet.y).arraySync());
      trainSum.dispose();
      trainSum = tf.zeros([R, TASKS]);
      sinceEval = 0;
      results.forEach((res, i) => {
        if (res.status === 'diverged') return;
        if (![...trainMean[i], ...evalLoss[i]].every(Number.isFinite)) {
          res.status = 'diverged'; // keeps the last finite losses; the other replicas go on
          return;
        }
        res.steps = step;
        res.trainLoss = trainMean[i];
        res.evalLoss = evalLoss[i];
        res.trainNormalized = trainMean[i].map((v, k) => v / evalVar[i][k]);
        res.evalNormalized = evalLoss[i].map((v, k) => v / evalVar[i][k]);
        for (let k = 0; k < TASKS; k++) {
          res.curve.push({ step, task: k + 1, split: 'train', loss: res.trainLoss[k], normalized: res.trainNormalized[k] });
          res.curve.push({ step, task: k + 1, split: 'eval', loss: res.evalLoss[k], normalized: res.evalNormalized[k] });
        }
      });
    }
  }

  // paper Figure 6: mean gate weight per task over the held-out set
  const gateMeans = tf.tidy(() => {
    const g = arch.forward(params, evalSet.x, shape).gates;
    return g ? tf.mean(g, 1) : tf.zeros([0]);
  });
  if (gateMeans.size > 0) {
    const gates = gateMeans.arraySync() as number[][][];
    results.forEach((res, i) => (res.gates = gates[i]));
  }
  gateMeans.dispose();

  trainSum.dispose();
  evalSet.x.dispose();
  evalSet.y.dispose();
  optimizer.dispose();
  disposeParams(params);
  const seconds = (Date.now() - started) / 1000 / R;
  results.forEach((res) => (res.seconds = seconds));
  return results;
}
