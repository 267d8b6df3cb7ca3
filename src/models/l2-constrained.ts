// L2-constrained (Duong et al., ACL 2015; a baseline in the MMoE paper §2.2): one network per
// task of the same shape, softly tied by adding λ·Σ_{k<l} ‖θ_k − θ_l‖² to the loss, where θ_k
// is every parameter of task k's network (its ReLU layer and its tower, paired by position).
import * as tf from '@tensorflow/tfjs';
import { Params } from '../engine/params';
import { singleTask } from './single-task';
import { Architecture, ModelShape, sized } from './types';

/** Pairs of names (task k's parameter, task l's parameter in the same position). */
function pairs(p: Params, k: number, l: number): [string, string][] {
  const own = Object.keys(p).filter((n) => n.startsWith(`task${k}.`) || n.startsWith(`tower${k}.`));
  return own.map((n) => [n, n.replace(/^(task|tower)\d+\./, `$1${l}.`)]);
}

export const l2Constrained: Architecture = {
  name: 'l2-constrained',
  summary: 'one network per task, their parameters pulled together by λ·‖θ1 − θ2‖² in the loss',
  reads: [...singleTask.reads!, 'l2Lambda'],
  params: singleTask.params,
  forward: singleTask.forward,
  penalty(p: Params, s: ModelShape): tf.Scalar {
    const { l2Lambda, tasks } = sized(s);
    return tf.tidy(() => {
      const terms: tf.Scalar[] = [];
      for (let k = 1; k <= tasks; k++) {
        for (let l = k + 1; l <= tasks; l++) {
          // a sum over every axis, the replica axis included: replica r's term reads only replica r
          for (const [a, b] of pairs(p, k, l)) terms.push(tf.sum(tf.squaredDifference(p[a], p[b])));
        }
      }
      return tf.mul(l2Lambda, terms.length ? tf.addN(terms) : tf.scalar(0)) as tf.Scalar;
    });
  },
};
