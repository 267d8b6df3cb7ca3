// Shared-Bottom (paper §4.1): one ReLU layer shared by both tasks, then a tower per task.
import { denseSpecs, dense, towerSpecs, towers } from './layers';
import { Architecture } from './types';

export const sharedBottom: Architecture = {
  name: 'shared-bottom',
  summary: 'one shared ReLU bottom layer, then a tower per task',
  reads: ['bottomUnits', 'towerUnits'],
  params: (s) => [...denseSpecs('bottom', 'bottom', s.inputDim, s.bottomUnits), ...towerSpecs(s, s.bottomUnits)],
  forward(p, x, s) {
    const h = dense(p, 'bottom', x, true);
    return { predictions: towers(p, Array.from({ length: s.tasks }, () => h)), gates: null };
  },
};
