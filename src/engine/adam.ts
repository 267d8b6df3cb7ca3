// Adam (Kingma & Ba, 2015) for a replica group, in whichever of two equal forms is faster.
//
// tf.train.adam issues ~15 kernels per variable per step (about 165 for mmoe). For a small
// group that dispatch overhead costs more than the arithmetic (0.7 ms per step at R = 1 on
// wasm), so small groups take a host-side pass instead: moments on the host, gradients and
// parameters read once, one loop, parameters written back (0.26 ms). For large groups the
// wasm kernels win (0.5 ns per element and operation against ~10 ns per element for the JS
// loop: 3.5 vs 9.6 ms per step at R = 32), so they keep tf.train.adam. The host loop rounds
// every operation to float32 in tf.train.adam's order, so both forms give the same bits
// (checked on wasm over 1200 steps; test/engine/adam.test.ts), whatever the group size.
// Adam is elementwise, so a replica's update never depends on the other replicas.
import * as tf from '@tensorflow/tfjs';
import { Params } from './params';

const f = Math.fround;

export interface Adam {
  /** One update from gradients keyed by parameter name (as Params). */
  apply(grads: Record<string, tf.Tensor>): void;
  /** The rate of the following updates (a learning-rate schedule's). */
  setLearningRate(lr: number): void;
  dispose(): void;
}

/** Parameters (over all replicas) up to which the host loop beats tf.train.adam on wasm (mmoe: R ≤ 4). */
export const HOST_ADAM_MAX_PARAMS = 65536;

/** Adam with tf.train.adam's defaults; `host` forces one form (for tests), else it follows the group's size. */
export function adam(params: Params, learningRate: number, host?: boolean): Adam {
  const total = Object.values(params).reduce((a, v) => a + v.size, 0);
  return (host ?? total <= HOST_ADAM_MAX_PARAMS) ? hostAdam(params, learningRate) : kernelAdam(params, learningRate);
}

function kernelAdam(params: Params, learningRate: number): Adam {
  const optimizer = tf.train.adam(learningRate);
  return {
    apply(grads) {
      const byVariable = Object.fromEntries(Object.entries(grads).map(([name, g]) => [params[name].name, g]));
      optimizer.applyGradients(byVariable as Record<string, tf.Variable>); // typed as variables, reads tensors
    },
    // read by every applyGradients (as −learningRate, a float32 scalar); protected in the typings only
    setLearningRate: (lr) => ((optimizer as unknown as { learningRate: number }).learningRate = lr),
    dispose: () => optimizer.dispose(),
  };
}

function hostAdam(params: Params, learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = tf.backend().epsilon()): Adam {
  const names = Object.keys(params);
  const m = new Map(names.map((n) => [n, new Float32Array(params[n].size)]));
  const v = new Map(names.map((n) => [n, new Float32Array(params[n].size)]));
  const b1 = f(beta1), b2 = f(beta2), c1 = f(1 - beta1), c2 = f(1 - beta2);
  const eps = f(epsilon);
  let negLr = f(-learningRate);
  let accBeta1 = b1, accBeta2 = b2; // beta^t, kept in float32 as tf.train.adam keeps it
  return {
    apply(grads) {
      const om1 = f(1 - accBeta1), om2 = f(1 - accBeta2);
      for (const name of names) {
        const g = grads[name].dataSync() as Float32Array;
        const variable = params[name];
        const p = (variable.dataSync() as Float32Array).slice(); // a copy: the cpu backend hands out its own storage
        const mn = m.get(name)!, vn = v.get(name)!;
        for (let i = 0; i < p.length; i++) {
          const gi = g[i];
          const mi = f(f(mn[i] * b1) + f(gi * c1));
          const vi = f(f(vn[i] * b2) + f(f(gi * gi) * c2));
          mn[i] = mi;
          vn[i] = vi;
          const mHat = f(mi / om1), vHat = f(vi / om2);
          p[i] = f(f(f(mHat / f(f(Math.sqrt(vHat)) + eps)) * negLr) + p[i]);
        }
        const next = tf.tensor(p, variable.shape);
        variable.assign(next);
        next.dispose();
      }
      accBeta1 = f(accBeta1 * b1);
      accBeta2 = f(accBeta2 * b2);
    },
    setLearningRate: (lr) => (negLr = f(-lr)),
    dispose() {
      m.clear();
      v.clear();
    },
  };
}
