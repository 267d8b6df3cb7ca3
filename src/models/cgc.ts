// Customized Gate Control (Tang et al., RecSys 2020, "PLE" §4.2, eq. 2–4): each task has its own
// experts, a set of experts is shared, and task k's gate is a softmax over task k's experts and
// the shared ones only. PLE (ple.ts) stacks these levels; a CGC is PLE's last level on its own.
import * as tf from '@tensorflow/tfjs';
import { ParamSpec, Params } from '../engine/params';
import { dense, towerSpecs, towers } from './layers';
import { Architecture, sized } from './types';

export interface LevelSize {
  tasks: number;
  /** Task-specific experts per task. */
  own: number;
  shared: number;
  /** ReLU units of each expert. */
  units: number;
}

/**
 * One extraction level's parameters, names prefixed by `prefix`: per task an expert block and a
 * gate over its own + the shared experts (no bias, as eq. 8 of the MMoE paper); the shared experts;
 * and, on a non-final PLE level, a shared gate over all experts (PLE §4.3).
 */
export function levelSpecs(prefix: string, inUnits: number, z: LevelSize, sharedGate: boolean): ParamSpec[] {
  const H = z.units;
  const experts = (group: string, n: number): ParamSpec[] => [
    { name: `${prefix}experts.${group}.w`, shape: [inUnits, n * H], component: 'experts', init: 'glorot', fanIn: inUnits, fanOut: H },
    { name: `${prefix}experts.${group}.b`, shape: [1, n * H], component: 'experts', init: 'zeros', fanIn: inUnits, fanOut: H },
  ];
  const gate = (group: string, n: number): ParamSpec => ({ name: `${prefix}gates.${group}.w`, shape: [inUnits, n], component: 'gates', init: 'glorot', fanIn: inUnits, fanOut: n });
  const specs: ParamSpec[] = [];
  for (let k = 1; k <= z.tasks; k++) specs.push(...experts(`task${k}`, z.own));
  specs.push(...experts('shared', z.shared));
  for (let k = 1; k <= z.tasks; k++) specs.push(gate(`task${k}`, z.own + z.shared));
  if (sharedGate) specs.push(gate('shared', z.tasks * z.own + z.shared));
  return specs;
}

export interface LevelOut {
  /** Per task: [R, B, units], the mixture its gate chose. */
  tasks: tf.Tensor3D[];
  /** The shared gate's mixture [R, B, units], or null on a final level. */
  shared: tf.Tensor3D | null;
  /**
   * [R, B, tasks, tasks·own + shared]: task k's gate placed over ALL of the level's experts
   * (task 1's own, task 2's own, …, shared), zero on the other tasks' own experts. So the
   * gate figure's expert e is the same expert for every task, and two tasks overlap only
   * on the shared experts.
   */
  gates: tf.Tensor4D;
}

/** One extraction level: task k's experts and gate read taskIn[k]; the shared experts and shared gate read sharedIn. */
export function level(p: Params, prefix: string, taskIn: tf.Tensor3D[], sharedIn: tf.Tensor3D, z: LevelSize, sharedGate: boolean): LevelOut {
  const [R, B] = sharedIn.shape;
  const H = z.units;
  const expertsOf = (group: string, x: tf.Tensor3D, n: number) => dense(p, `${prefix}experts.${group}`, x, true).reshape([R * B, n, H]);
  const gateOf = (group: string, x: tf.Tensor3D, n: number) => tf.softmax(tf.matMul(x, p[`${prefix}gates.${group}.w`])).reshape([R * B, 1, n]);
  const own = taskIn.map((x, k) => expertsOf(`task${k + 1}`, x, z.own));
  const shared = expertsOf('shared', sharedIn, z.shared);
  const mix = (g: tf.Tensor, experts: tf.Tensor[]) => tf.matMul(g as tf.Tensor3D, tf.concat(experts, 1) as tf.Tensor3D).reshape([R, B, H]) as tf.Tensor3D;

  const gates: tf.Tensor[] = [];
  const tasks = taskIn.map((x, k) => {
    const g = gateOf(`task${k + 1}`, x, z.own + z.shared); // [R·B, 1, own + shared]
    const [mine, common] = tf.split(g, [z.own, z.shared], 2);
    const before = k * z.own, after = (z.tasks - k - 1) * z.own;
    const parts = [before > 0 ? tf.zeros([R * B, 1, before]) : null, mine, after > 0 ? tf.zeros([R * B, 1, after]) : null, common];
    gates.push(tf.concat(parts.filter((t): t is tf.Tensor => t !== null), 2));
    return mix(g, [own[k], shared]);
  });
  const all = z.tasks * z.own + z.shared;
  const sharedOut = sharedGate ? mix(gateOf('shared', sharedIn, all), [...own, shared]) : null;
  return { tasks, shared: sharedOut, gates: tf.concat(gates, 1).reshape([R, B, z.tasks, all]) as tf.Tensor4D };
}

export const cgc: Architecture = {
  name: 'cgc',
  summary: 'task-specific and shared experts; each task gates over its own and the shared ones',
  reads: ['cgcTaskExperts', 'cgcSharedExperts', 'expertUnits', 'towerUnits'],
  params(s) {
    const { cgcTaskExperts: own, cgcSharedExperts: shared, expertUnits: units, tasks } = sized(s);
    return [...levelSpecs('', s.inputDim, { tasks, own, shared, units }, false), ...towerSpecs(s, units)];
  },
  forward(p, x, s) {
    const { cgcTaskExperts: own, cgcSharedExperts: shared, expertUnits: units, tasks } = sized(s);
    const out = level(p, '', Array.from({ length: tasks }, () => x), x, { tasks, own, shared, units }, false);
    return { predictions: towers(p, out.tasks), gates: out.gates };
  },
};
