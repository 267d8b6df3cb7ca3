// PLE (src/models/ple.ts; Tang et al. 2020 §4.3): CGC levels stacked; every level but the last
// has a shared gate whose mixture feeds the next level's shared experts, task k's mixture feeds
// task k's; the last level feeds the towers and reports its task gates.
import { level } from './cgc';
import { createGraph, need, plan } from './graph';
import { FusedArchitecture, FusedShape } from './types';

function layout(shape: FusedShape) {
  const b = plan(shape);
  const z = { tasks: shape.tasks, own: need(shape, 'pleTaskExperts'), shared: need(shape, 'pleSharedExperts'), units: shape.expertUnits };
  const levels = need(shape, 'pleLevels');
  let taskIn = Array.from({ length: shape.tasks }, () => b.input);
  let sharedIn = b.input;
  for (let i = 0; i < levels; i++) {
    const last = i === levels - 1;
    const out = level(b, `level${i + 1}.`, taskIn, sharedIn, z, !last);
    if (last) {
      out.tasks.forEach((m, k) => b.tower(k, m));
      out.reportGates();
    }
    taskIn = out.tasks;
    sharedIn = out.shared!;
  }
  return b.done();
}

export const ple: FusedArchitecture = {
  name: 'ple',
  create: (shape, initial, R, lr) => createGraph(layout(shape), shape, initial, R, lr),
};
