// The two engines a replica group trains on, behind one small interface: `tfjs` (the models in
// src/models through tfjs autodiff, the readable reference) and `fused` (an architecture's
// hand-written forward/backward/Adam from src/engine/fused, pinned to tfjs by tests).
import * as tf from '@tensorflow/tfjs';
import { adam } from '../engine/adam';
import { FusedArchitecture, fusedArchitecture } from '../engine/fused';
import { Params, disposeParams, initParams, stackedInitialValues } from '../engine/params';
import { ModelShape } from '../models/types';
import { architecture } from '../models/zoo';

export const ENGINES = ['fused', 'tfjs'] as const;
export type Engine = (typeof ENGINES)[number];

/** The engine a model trains on: fused when asked for and the architecture has one, tfjs otherwise. */
export function engineFor(model: string, requested: Engine): Engine {
  return requested === 'fused' && fusedArchitecture(model) ? 'fused' : 'tfjs';
}

/** What an engine needs to build one group: replica i is run seeds[i], evaluated on its own rows. */
export interface EngineSpec {
  model: string;
  shape: ModelShape;
  lr: number;
  seeds: number[];
  /** Held-out rows of every replica, stacked: x [R, evalRows, inputDim], y [R, evalRows, tasks]. */
  evalX: Float32Array;
  evalY: Float32Array;
  evalRows: number;
}

/** One group's model state on one engine; the trainer (replicas.ts) does the bookkeeping around it. */
export interface EngineCore {
  /** The rate of the following steps (a schedule's; spec.lr until called). */
  setLearningRate(lr: number): void;
  /** One Adam step on x [R, B, inputDim], y [R, B, tasks]; adds each replica's per-task batch MSE to a running sum. */
  step(x: Float32Array, y: Float32Array, batch: number): void;
  /** The running sums divided by `steps`, [R][tasks]; then the sums restart at zero. */
  takeTrainMean(steps: number): number[][];
  /** Per-replica, per-task MSE on the held-out rows, [R][tasks]. */
  evaluate(): number[][];
  /** Mean gate weights over the held-out rows, [R][gate][expert], or null for gateless models. */
  gateMeans(): number[][][] | null;
  dispose(): void;
}

/** Per-replica, per-task MSE: predictions and labels [R, B, T] → [R, T]. */
function mse(pred: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor2D {
  return tf.mean(tf.squaredDifference(pred, y), 1) as tf.Tensor2D;
}

function rows(a: Float32Array | Float64Array, cols: number): number[][] {
  return Array.from({ length: a.length / cols }, (_, i) => Array.from(a.subarray(i * cols, (i + 1) * cols)));
}

export function tfjsEngine(spec: EngineSpec): EngineCore {
  const arch = architecture(spec.model);
  const { shape } = spec;
  const R = spec.seeds.length;
  const d = shape.inputDim;
  const T = shape.tasks;
  const params: Params = initParams(arch.params(shape), spec.seeds);
  const vars = Object.values(params);
  const paramName = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
  // one host-side pass over all parameters instead of ~15 kernels per variable (src/engine/adam.ts)
  const optimizer = adam(params, spec.lr);
  const evalX = tf.tensor3d(spec.evalX, [R, spec.evalRows, d]);
  const evalY = tf.tensor3d(spec.evalY, [R, spec.evalRows, T]);
  // summed on the device, read once per eval interval
  let trainSum: tf.Tensor2D = tf.zeros([R, T]);

  return {
    setLearningRate: (lr) => optimizer.setLearningRate(lr),
    step(x, y, batch) {
      const perTask = tf.tidy(() => {
        const xs = tf.tensor3d(x, [R, batch, d]);
        const ys = tf.tensor3d(y, [R, batch, T]);
        let losses: tf.Tensor2D | null = null;
        const { grads } = tf.variableGrads(() => {
          losses = tf.keep(mse(arch.forward(params, xs, shape).predictions, ys));
          const total = tf.sum(losses) as tf.Scalar;
          // an architecture's own loss term (e.g. l2-constrained's tie between the task networks), summed over replicas
          return arch.penalty ? (tf.add(total, arch.penalty(params, shape)) as tf.Scalar) : total;
        }, vars);
        optimizer.apply(Object.fromEntries(Object.entries(grads).map(([v, g]) => [paramName.get(v)!, g])));
        return losses as unknown as tf.Tensor2D;
      });
      const summed = tf.add(trainSum, perTask) as tf.Tensor2D;
      trainSum.dispose();
      perTask.dispose();
      trainSum = summed;
    },
    takeTrainMean(steps) {
      const mean = (trainSum.arraySync() as number[][]).map((row) => row.map((v) => v / steps));
      trainSum.dispose();
      trainSum = tf.zeros([R, T]);
      return mean;
    },
    evaluate: () => tf.tidy(() => mse(arch.forward(params, evalX, shape).predictions, evalY).arraySync()),
    gateMeans() {
      // paper Figure 6: mean gate weight per task over the held-out set
      const means = tf.tidy(() => {
        const g = arch.forward(params, evalX, shape).gates;
        return g ? tf.mean(g, 1) : tf.zeros([0]);
      });
      const out = means.size > 0 ? (means.arraySync() as number[][][]) : null;
      means.dispose();
      return out;
    },
    dispose() {
      trainSum.dispose();
      evalX.dispose();
      evalY.dispose();
      optimizer.dispose();
      disposeParams(params);
    },
  };
}

export function fusedEngine(spec: EngineSpec, fused: FusedArchitecture = fusedArchitecture(spec.model)!): EngineCore {
  const { shape } = spec;
  const R = spec.seeds.length;
  const T = shape.tasks;
  // the same initial values the tfjs engine starts from, so both engines follow one trajectory
  const initial = Object.fromEntries(architecture(spec.model).params(shape).map((p) => [p.name, stackedInitialValues(p, spec.seeds)]));
  const group = fused.create(shape, initial, R, spec.lr);
  const trainSum = new Float64Array(R * T);

  return {
    setLearningRate: (lr) => group.setLearningRate(lr),
    step(x, y, batch) {
      const losses = group.step(x, y, batch);
      for (let i = 0; i < trainSum.length; i++) trainSum[i] += losses[i];
    },
    takeTrainMean(steps) {
      const mean = rows(trainSum.map((v) => v / steps), T);
      trainSum.fill(0);
      return mean;
    },
    evaluate: () => rows(group.evaluate(spec.evalX, spec.evalY, spec.evalRows), T),
    gateMeans() {
      const g = group.gateMeans(spec.evalX, spec.evalRows);
      if (!g) return null;
      const perReplica = g.length / R;
      const experts = group.gateExperts; // CGC/PLE gate over tasks·own + shared experts, not shape.experts
      return Array.from({ length: R }, (_, r) => rows(g.subarray(r * perReplica, (r + 1) * perReplica), experts));
    },
    dispose: () => group.dispose(),
  };
}

export function makeEngine(engine: Engine, spec: EngineSpec): EngineCore {
  return engine === 'fused' ? fusedEngine(spec) : tfjsEngine(spec);
}
