// The benchmark's FLOP count, read off each architecture's parameter shapes, against a count by
// hand at the default sizes (d = 100 inputs, 2 tasks, towers of 8; docs/MODELS.md for the zoo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forwardMacs, trainFlops } from '../../bench/flops';
import { DEFAULTS } from '../../src/config/defaults';
import { TASKS } from '../../src/data/generator';
import { ModelShape } from '../../src/models/types';
import { MODEL_NAMES } from '../../src/models/zoo';

const SHAPE: ModelShape = { ...DEFAULTS.model, inputDim: DEFAULTS.data.dim, tasks: TASKS };
const d = 100, H = 16, T = 8, tasks = 2;
/** Each task's tower on `inUnits`: a ReLU layer of T, then one output. */
const towers = (inUnits: number) => tasks * (inUnits * T + T * 1);

// multiply-adds per row; biases, ReLU and softmax are not multiply-adds
const HAND: Record<string, number> = {
  'shared-bottom': d * 113 + towers(113),
  // 8 experts of 16 from d, one gate over them, its mixture (eq. 7), the towers
  omoe: d * 8 * H + d * 8 + 8 * H + towers(H),
  // the same with one gate per task (eq. 6–8)
  mmoe: d * 8 * H + tasks * d * 8 + tasks * 8 * H + towers(H),
  // CGC: 2 own experts per task and 4 shared, all from d; each task's gate over its 2 + 4
  cgc: tasks * d * 2 * H + d * 4 * H + tasks * (d * 6 + 6 * H) + towers(H),
  // PLE, 2 levels of 2 own experts per task and 3 shared: level 1 reads d and has a shared gate
  // over all 7 experts; level 2 reads level 1's mixtures (16 units) and has none
  ple:
    (tasks * d * 2 * H + d * 3 * H + tasks * (d * 5 + 5 * H) + (d * 7 + 7 * H)) +
    (tasks * H * 2 * H + H * 3 * H + tasks * (H * 5 + 5 * H)) +
    towers(H),
  // one layer of 68 per task, then the towers
  'single-task': tasks * d * 68 + towers(68),
  'l2-constrained': tasks * d * 68 + towers(68),
  // the same plus α (2×2) mixing the two tasks' 68 units
  'cross-stitch': tasks * d * 68 + tasks * tasks * 68 + towers(68),
};

test('forward multiply-adds match a hand count for every model of the zoo at default sizes', () => {
  assert.equal(HAND.mmoe, 14928);
  assert.equal(HAND.ple, 15556);
  for (const model of MODEL_NAMES) assert.equal(forwardMacs(model, SHAPE), HAND[model], model);
});

test('the count follows the sizes: a third PLE level, more experts', () => {
  // a middle level reads 16 units and keeps its shared gate
  const middle = tasks * H * 2 * H + H * 3 * H + tasks * (H * 5 + 5 * H) + (H * 7 + 7 * H);
  assert.equal(forwardMacs('ple', { ...SHAPE, pleLevels: 3 }), HAND.ple + middle);
  assert.equal(forwardMacs('mmoe', { ...SHAPE, experts: 4 }), d * 4 * H + tasks * d * 4 + tasks * 4 * H + towers(H));
  assert.equal(trainFlops('mmoe', SHAPE, 128), 3 * 2 * HAND.mmoe * 128);
});
