// CGC (src/models/cgc.ts; Tang et al. 2020 eq. 2–4): task-specific and shared experts; task k's
// gate is a softmax over its own and the shared experts. PLE (ple.ts) stacks these levels.
import { MixTerm, createGraph, need, plan } from './graph';
import { FusedArchitecture, FusedShape } from './types';

export interface LevelSize {
  tasks: number;
  /** task-specific experts per task */
  own: number;
  shared: number;
  /** ReLU units of each expert */
  units: number;
}

/**
 * One extraction level, parameters named as src/models/cgc.ts levelSpecs: task k's experts and
 * gate read node taskIn[k], the shared experts and (non-final PLE level) shared gate read sharedIn;
 * the parts reading one node share one product. Returns the mixtures and a hook reporting the
 * task gates as the tfjs path's `gates` (task k's gate placed over all experts: own ones at k·own, shared at tasks·own).
 */
export function level(b: ReturnType<typeof plan>, prefix: string, taskIn: number[], sharedIn: number, z: LevelSize, sharedGate: boolean) {
  const H = z.units, T = z.tasks, all = T * z.own + z.shared;
  const at: Record<string, { node: number; col: number }> = {};
  for (const input of new Set([...taskIn, sharedIn])) {
    const mine = taskIn.flatMap((t, k) => (t === input ? [k + 1] : []));
    const shared = sharedIn === input;
    const relu: [string, number][] = mine.map((k) => [`experts.task${k}`, z.own * H]);
    if (shared) relu.push(['experts.shared', z.shared * H]);
    const gates: [string, number][] = mine.map((k) => [`gates.task${k}`, z.own + z.shared]);
    if (shared && sharedGate) gates.push(['gates.shared', all]);
    const p = b.product(input, relu.map(([n, c]) => [prefix + n, c]), gates.map(([n, c]) => [prefix + n, c]));
    for (const [n] of [...relu, ...gates]) at[n] = { node: p.node, col: p.col[prefix + n] };
  }
  // `count` gate weights from gate column `from` over the experts of `group`
  const term = (gate: string, from: number, group: string, count: number): MixTerm[] =>
    count > 0 ? [{ gate: at[gate].node, gateCol: at[gate].col + from, experts: at[group].node, expertCol: at[group].col, count }] : [];
  const tasks = taskIn.map((_, k) => b.mix(H, [...term(`gates.task${k + 1}`, 0, `experts.task${k + 1}`, z.own), ...term(`gates.task${k + 1}`, z.own, 'experts.shared', z.shared)]));
  const shared = sharedGate
    ? b.mix(H, [...taskIn.flatMap((_, k) => term('gates.shared', k * z.own, `experts.task${k + 1}`, z.own)), ...term('gates.shared', T * z.own, 'experts.shared', z.shared)])
    : null;
  const reportGates = () => taskIn.forEach((_, k) => {
    const g = at[`gates.task${k + 1}`];
    const place = Array.from({ length: z.own + z.shared }, (_, j) => (j < z.own ? k * z.own + j : T * z.own + j - z.own));
    b.reportGate(g.node, g.col, place, all);
  });
  return { tasks, shared, reportGates };
}

function layout(shape: FusedShape) {
  const b = plan(shape);
  const z = { tasks: shape.tasks, own: need(shape, 'cgcTaskExperts'), shared: need(shape, 'cgcSharedExperts'), units: shape.expertUnits };
  const out = level(b, '', Array.from({ length: shape.tasks }, () => b.input), b.input, z, false);
  out.tasks.forEach((m, k) => b.tower(k, m));
  out.reportGates();
  return b.done();
}

export const cgc: FusedArchitecture = {
  name: 'cgc',
  create: (shape, initial, R, lr) => createGraph(layout(shape), shape, initial, R, lr),
};
