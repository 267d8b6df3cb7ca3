// L2-constrained (src/models/l2-constrained.ts): single-task's networks, tied by λ·Σ_{k<l} ‖θ_k − θ_l‖²
// in the loss over the parameters in the same position of task k's and task l's networks.
import { createGraph, need } from './graph';
import { taskNetworks } from './single-task';
import { FusedArchitecture } from './types';

const OWN = ['task{k}.hidden.w', 'task{k}.hidden.b', 'tower{k}.hidden.w', 'tower{k}.hidden.b', 'tower{k}.out.w', 'tower{k}.out.b'];

export const l2Constrained: FusedArchitecture = {
  name: 'l2-constrained',
  create(shape, initial, R, lr) {
    const b = taskNetworks(shape);
    const pairs: [string, string][] = [];
    for (let k = 1; k <= shape.tasks; k++) {
      for (let l = k + 1; l <= shape.tasks; l++) pairs.push(...OWN.map((n): [string, string] => [n.replace('{k}', `${k}`), n.replace('{k}', `${l}`)]));
    }
    b.penalty(need(shape, 'l2Lambda'), pairs);
    return createGraph(b.done(), shape, initial, R, lr);
  },
};
