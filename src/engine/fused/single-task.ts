// Single-Task baseline (src/models/single-task.ts): per task a ReLU layer of taskUnits on x and the task's tower; nothing shared.
import { createGraph, need, plan } from './graph';
import { FusedArchitecture, FusedShape } from './types';

/** Task k's ReLU layer task{k+1}.hidden on x, for every task: the nodes of their activations. */
export function taskLayers(b: ReturnType<typeof plan>, shape: FusedShape): number[] {
  const units = need(shape, 'taskUnits');
  return Array.from({ length: shape.tasks }, (_, k) => b.product(b.input, [[`task${k + 1}.hidden`, units]]).node);
}

/** Per task a network of its own (its layer, its tower): single-task's plan, l2-constrained's before the penalty. */
export function taskNetworks(shape: FusedShape): ReturnType<typeof plan> {
  const b = plan(shape);
  taskLayers(b, shape).forEach((h, k) => b.tower(k, h));
  return b;
}

export const singleTask: FusedArchitecture = {
  name: 'single-task',
  create: (shape, initial, R, lr) => createGraph(taskNetworks(shape).done(), shape, initial, R, lr),
};
