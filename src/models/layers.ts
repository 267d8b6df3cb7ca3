// Building blocks shared by the zoo: dense layers, task towers and the gated mixture of experts.
import * as tf from '@tensorflow/tfjs';
import { Component, ParamSpec, Params } from '../engine/params';
import { ModelShape } from './types';

export function denseSpecs(name: string, component: Component, inUnits: number, outUnits: number, bias = true): ParamSpec[] {
  const w: ParamSpec = { name: `${name}.w`, shape: [inUnits, outUnits], component, init: 'glorot', fanIn: inUnits, fanOut: outUnits };
  if (!bias) return [w];
  return [w, { name: `${name}.b`, shape: [1, outUnits], component, init: 'zeros', fanIn: inUnits, fanOut: outUnits }];
}

/** x: [R, B, in] → [R, B, out]; replica-batched matMul, bias broadcast over the batch. */
export function dense(p: Params, name: string, x: tf.Tensor3D, relu: boolean): tf.Tensor3D {
  const z = tf.add(tf.matMul(x, p[`${name}.w`]), p[`${name}.b`]) as tf.Tensor3D;
  return relu ? tf.relu(z) : z;
}

/** Per task: one ReLU layer of towerUnits, then a linear output (paper §5.1). */
export function towerSpecs(shape: ModelShape, inUnits: number): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (let k = 1; k <= shape.tasks; k++) {
    specs.push(...denseSpecs(`tower${k}.hidden`, 'towers', inUnits, shape.towerUnits));
    specs.push(...denseSpecs(`tower${k}.out`, 'towers', shape.towerUnits, 1));
  }
  return specs;
}

/** inputs[k]: [R, B, in] for task k → predictions [R, B, tasks]. */
export function towers(p: Params, inputs: tf.Tensor3D[]): tf.Tensor3D {
  const outs = inputs.map((h, i) => dense(p, `tower${i + 1}.out`, dense(p, `tower${i + 1}.hidden`, h, true), false));
  return tf.concat(outs, 2) as tf.Tensor3D;
}

/**
 * Experts in one matmul (expert e owns columns e·H … (e+1)·H − 1, each initialised with its
 * own fan-in/out), gates in one matmul; gates are softmax(W_g·x) with no bias (eq. 8).
 */
export function mixtureSpecs(shape: ModelShape, gates: number): ParamSpec[] {
  const { inputDim: d, experts: E, expertUnits: H } = shape;
  return [
    { name: 'experts.w', shape: [d, E * H], component: 'experts', init: 'glorot', fanIn: d, fanOut: H },
    { name: 'experts.b', shape: [1, E * H], component: 'experts', init: 'zeros', fanIn: d, fanOut: H },
    { name: 'gates.w', shape: [d, gates * E], component: 'gates', init: 'glorot', fanIn: d, fanOut: E },
  ];
}

/** eq. 7: f^g(x) = Σ_i g^g(x)_i f_i(x), for every gate g. Returns mixtures [R, B, G, H] and gates [R, B, G, E]. */
export function mixture(p: Params, x: tf.Tensor3D, shape: ModelShape, G: number): { mixed: tf.Tensor4D; gates: tf.Tensor4D } {
  const [R, B] = x.shape;
  const { experts: E, expertUnits: H } = shape;
  const experts = dense(p, 'experts', x, true).reshape([R * B, E, H]);
  const gates = tf.softmax(tf.matMul(x, p['gates.w']).reshape([R, B, G, E])) as tf.Tensor4D;
  const mixed = tf.matMul(gates.reshape([R * B, G, E]), experts).reshape([R, B, G, H]) as tf.Tensor4D;
  return { mixed, gates };
}

/** Slice [R, B, G, H] into G tensors [R, B, H]. */
export function perGate(mixed: tf.Tensor4D): tf.Tensor3D[] {
  const [R, B, G, H] = mixed.shape;
  // tfjs hands a one-output unstack's gradient a bare tensor, not a list, and fails: reshape instead
  if (G === 1) return [mixed.reshape([R, B, H])];
  return tf.unstack(mixed, 2) as tf.Tensor3D[];
}

/** One ReLU layer of `units` per task, task k's named task{k}.hidden, all reading x. */
export function taskLayerSpecs(shape: ModelShape, units: number): ParamSpec[] {
  return Array.from({ length: shape.tasks }, (_, k) => denseSpecs(`task${k + 1}.hidden`, 'bottom', shape.inputDim, units)).flat();
}

/** x: [R, B, d] → one [R, B, units] activation per task. */
export function taskLayers(p: Params, x: tf.Tensor3D, shape: ModelShape): tf.Tensor3D[] {
  return Array.from({ length: shape.tasks }, (_, k) => dense(p, `task${k + 1}.hidden`, x, true));
}
