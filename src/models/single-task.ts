// Single-Task baseline (the MMoE paper's census tables, PLE's reference for "MTL gain"): one
// independent network per task, a ReLU layer of taskUnits and the task's tower; nothing shared.
import { taskLayerSpecs, taskLayers, towerSpecs, towers } from './layers';
import { Architecture, sized } from './types';

export const singleTask: Architecture = {
  name: 'single-task',
  summary: 'one independent network per task (ReLU layer + tower), nothing shared',
  reads: ['taskUnits', 'towerUnits'],
  params(s) {
    const { taskUnits } = sized(s);
    return [...taskLayerSpecs(s, taskUnits), ...towerSpecs(s, taskUnits)];
  },
  forward(p, x, s) {
    return { predictions: towers(p, taskLayers(p, x, s)), gates: null };
  },
};
