// Shared-Bottom (paper §4.1): one ReLU bottom layer read by every task's tower; no gates.
import { createDense } from './dense';
import { FusedArchitecture } from './types';

export const sharedBottom: FusedArchitecture = {
  name: 'shared-bottom',
  create: (shape, initial, R, lr) => createDense({ gates: () => 0, taskGate: () => 0 }, shape, initial, R, lr),
};
