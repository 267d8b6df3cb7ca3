// MMoE (paper §4.3, eq. 6–8): one softmax gate per task over the shared experts; task k reads gate k.
import { createDense } from './dense';
import { FusedArchitecture } from './types';

export const mmoe: FusedArchitecture = {
  name: 'mmoe',
  create: (shape, initial, R, lr) => createDense({ gates: (s) => s.tasks, taskGate: (k) => k }, shape, initial, R, lr),
};
