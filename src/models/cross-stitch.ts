// Cross-stitch networks (Misra et al., CVPR 2016): one ReLU layer per task, then a learned
// tasks×tasks unit mixes the tasks' activations, h̃_k = Σ_l α_kl h_l (their eq. 1), before the towers.
import * as tf from '@tensorflow/tfjs';
import { ParamSpec } from '../engine/params';
import { taskLayerSpecs, taskLayers, towerSpecs, towers } from './layers';
import { Architecture, ModelShape, sized } from './types';

/**
 * α's starting point: 0.9 on the diagonal, 0.1 shared out over the other tasks (Misra et al.
 * found (0.9, 0.1) a good start). α = START + stitch.delta with delta initialised at zero, so
 * α starts exactly there and its gradient is delta's.
 */
export function stitchStart(tasks: number): number[][] {
  return Array.from({ length: tasks }, (_, k) => Array.from({ length: tasks }, (_, l) => (k === l ? 0.9 : 0.1 / Math.max(1, tasks - 1))));
}

function stitchSpec(s: ModelShape): ParamSpec {
  // counted with the gates in params.csv: like a gate, it only weighs other units' outputs
  return { name: 'stitch.delta', shape: [s.tasks, s.tasks], component: 'gates', init: 'zeros', fanIn: s.tasks, fanOut: s.tasks };
}

export const crossStitch: Architecture = {
  name: 'cross-stitch',
  summary: 'one ReLU layer per task, mixed across tasks by a learned cross-stitch unit before the towers',
  reads: ['taskUnits', 'towerUnits'],
  params(s) {
    const { taskUnits } = sized(s);
    return [...taskLayerSpecs(s, taskUnits), stitchSpec(s), ...towerSpecs(s, taskUnits)];
  },
  forward(p, x, s) {
    const [R, B] = x.shape;
    const h = taskLayers(p, x, s);
    const U = h[0].shape[2];
    const alpha = tf.add(p['stitch.delta'], tf.tensor2d(stitchStart(s.tasks))) as tf.Tensor3D; // [R, T, T]
    // [R, T, T] × [R, T, B·U]: row k of replica r's α mixes replica r's task activations
    const stacked = tf.stack(h, 1).reshape([R, s.tasks, B * U]);
    const mixed = tf.matMul(alpha, stacked).reshape([R, s.tasks, B, U]);
    // one task: a reshape, since tfjs fails on a one-output unstack's gradient (as perGate)
    const perTask = s.tasks === 1 ? [mixed.reshape([R, B, U]) as tf.Tensor3D] : (tf.unstack(mixed, 1) as tf.Tensor3D[]);
    return { predictions: towers(p, perTask), gates: null };
  },
};
