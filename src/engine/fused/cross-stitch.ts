// Cross-stitch (src/models/cross-stitch.ts; Misra et al. 2016 eq. 1): per task a ReLU layer,
// mixed across tasks by α = start + stitch.delta before the towers.
import { createGraph, plan } from './graph';
import { taskLayers } from './single-task';
import { FusedArchitecture, FusedShape } from './types';

/** α's start as src/models/cross-stitch.ts stitchStart (0.9 on the diagonal, 0.1 shared out), which the gradient tests pin. */
function stitchStart(tasks: number): number[][] {
  return Array.from({ length: tasks }, (_, k) => Array.from({ length: tasks }, (_, l) => (k === l ? 0.9 : 0.1 / Math.max(1, tasks - 1))));
}

function layout(shape: FusedShape) {
  const b = plan(shape);
  b.stitch(taskLayers(b, shape), 'stitch.delta', stitchStart(shape.tasks)).forEach((h, k) => b.tower(k, h));
  return b.done();
}

export const crossStitch: FusedArchitecture = {
  name: 'cross-stitch',
  create: (shape, initial, R, lr) => createGraph(layout(shape), shape, initial, R, lr),
};
