// OMoE (paper §4.2, eq. 5): one softmax gate shared by every task.
import { createDense } from './dense';
import { FusedArchitecture } from './types';

export const omoe: FusedArchitecture = {
  name: 'omoe',
  create: (shape, initial, R, lr) => createDense({ gates: () => 1, taskGate: () => 0 }, shape, initial, R, lr),
};
