// Progressive Layered Extraction (Tang et al., RecSys 2020, §4.3, eq. 5–6): CGC levels stacked.
// Every level but the last also has a shared gate over ALL its experts; its mixture is the next
// level's shared input, while task k's mixture is the next level's input for task k's experts
// and gate (as DeepCTR's ple.py reads the paper). The last level feeds the towers.
import { towerSpecs, towers } from './layers';
import { level, levelSpecs } from './cgc';
import { Architecture, ModelShape, sized } from './types';

function sizes(s: ModelShape) {
  const { pleTaskExperts: own, pleSharedExperts: shared, expertUnits: units, pleLevels: levels, tasks } = sized(s);
  return { z: { tasks, own, shared, units }, levels };
}

export const ple: Architecture = {
  name: 'ple',
  summary: 'stacked CGC levels; a shared gate per lower level feeds the next level\'s shared experts',
  reads: ['pleTaskExperts', 'pleSharedExperts', 'pleLevels', 'expertUnits', 'towerUnits'],
  params(s) {
    const { z, levels } = sizes(s);
    const specs = Array.from({ length: levels }, (_, i) => levelSpecs(`level${i + 1}.`, i === 0 ? s.inputDim : z.units, z, i < levels - 1)).flat();
    return [...specs, ...towerSpecs(s, z.units)];
  },
  forward(p, x, s) {
    const { z, levels } = sizes(s);
    let taskIn = Array.from({ length: s.tasks }, () => x);
    let sharedIn = x;
    for (let i = 0; ; i++) {
      const last = i === levels - 1;
      const out = level(p, `level${i + 1}.`, taskIn, sharedIn, z, !last);
      // the gate figure receives the last level's task gates, as CGC's
      if (last) return { predictions: towers(p, out.tasks), gates: out.gates };
      taskIn = out.tasks;
      sharedIn = out.shared!;
    }
  },
};
