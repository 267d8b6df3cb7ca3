// Multi-gate MoE (paper §4.3, eq. 6–8): the same experts, one softmax gate per task.
import { mixture, mixtureSpecs, perGate, towerSpecs, towers } from './layers';
import { Architecture } from './types';

export const mmoe: Architecture = {
  name: 'mmoe',
  summary: 'experts combined by one softmax gate per task',
  reads: ['experts', 'expertUnits', 'towerUnits'],
  params: (s) => [...mixtureSpecs(s, s.tasks), ...towerSpecs(s, s.expertUnits)],
  forward(p, x, s) {
    const { mixed, gates } = mixture(p, x, s, s.tasks);
    return { predictions: towers(p, perGate(mixed)), gates };
  },
};
