// Parameters as plain tf.variables with a leading replica axis: replica r of every
// parameter is drawn from run r's own seed, so a run's init never depends on its group.
import * as tf from '@tensorflow/tfjs';
import { stream } from './random';

export type Component = 'bottom' | 'experts' | 'gates' | 'towers';

export interface ParamSpec {
  name: string;
  /** Shape of one replica's parameter. */
  shape: number[];
  component: Component;
  /** glorot: uniform in ±sqrt(6 / (fanIn + fanOut)) (Keras' default for Dense kernels); zeros for biases. */
  init: 'glorot' | 'zeros';
  fanIn: number;
  fanOut: number;
}

/** Parameters by name, each of shape [R, ...spec.shape]. */
export type Params = Record<string, tf.Variable>;

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** One replica's initial values of one parameter, from the run's seed and the parameter's name. */
export function initialValues(spec: ParamSpec, seed: number): Float32Array {
  const values = new Float32Array(size(spec.shape));
  if (spec.init === 'zeros') return values;
  const s = stream(`${seed}:init:${spec.name}`);
  const limit = Math.sqrt(6 / (spec.fanIn + spec.fanOut));
  for (let i = 0; i < values.length; i++) values[i] = (2 * s.uniform() - 1) * limit;
  return values;
}

/** One parameter's initial values for every replica, stacked [R, ...spec.shape] (replica r from seeds[r]). */
export function stackedInitialValues(spec: ParamSpec, seeds: number[]): Float32Array {
  const n = size(spec.shape);
  const stacked = new Float32Array(n * seeds.length);
  seeds.forEach((seed, r) => stacked.set(initialValues(spec, seed), r * n));
  return stacked;
}

export function initParams(specs: ParamSpec[], seeds: number[]): Params {
  const params: Params = {};
  for (const spec of specs) {
    const initial = tf.tensor(stackedInitialValues(spec, seeds), [seeds.length, ...spec.shape]);
    params[spec.name] = tf.variable(initial, true);
    initial.dispose(); // the variable holds its own copy
  }
  return params;
}

export function disposeParams(params: Params): void {
  for (const v of Object.values(params)) v.dispose();
}
