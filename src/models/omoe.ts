// One-gate MoE (paper §4.2, eq. 5): experts mixed by ONE softmax gate shared by both tasks.
import { mixture, mixtureSpecs, perGate, towerSpecs, towers } from './layers';
import { Architecture } from './types';

export const omoe: Architecture = {
  name: 'omoe',
  summary: 'experts combined by one softmax gate shared by all tasks',
  reads: ['experts', 'expertUnits', 'towerUnits'],
  params: (s) => [...mixtureSpecs(s, 1), ...towerSpecs(s, s.expertUnits)],
  forward(p, x, s) {
    const { mixed, gates } = mixture(p, x, s, 1);
    const [shared] = perGate(mixed);
    return { predictions: towers(p, Array.from({ length: s.tasks }, () => shared)), gates };
  },
};
