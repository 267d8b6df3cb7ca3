// The replica contract for the successors (the pattern of test/train/replicas.test.ts): a run
// trained inside a batched group follows the trajectory it follows trained alone, to float
// rounding. On wasm, whose matmuls the engine replaces (src/engine/wasm-matmul.ts).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { ModelShape } from '../../src/models/types';
import { DEFAULTS } from '../../src/config/defaults';
import { Group, RunResult, trainGroup } from '../../src/train/replicas';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

const DATA: DataConfig = { ...DEFAULTS.data, trainSize: 300, evalSize: 64 };
/** The default sizes: the experts' matmuls large enough for the XNNPACK path. */
const SHAPE: ModelShape = { ...DEFAULTS.model, inputDim: DATA.dim, tasks: TASKS };
const STEPS = 60;
const SEEDS = [101, 202, 303];

function group(model: string, seeds: number[]): Group {
  const constants = studyConstants(DATA, 1);
  return {
    model,
    shape: SHAPE,
    lr: 0.01, // a large step, so rounding differences would grow if replicas leaked into each other
    train: { steps: STEPS, batchSize: 32, lr: [0.01], evalEvery: 1 },
    runs: seeds.map((seed, run) => ({ run, seed, data: makeRunData(DATA, 0.5, constants, seed) })),
  };
}

function assertSameCurve(model: string, batched: RunResult, alone: RunResult): void {
  assert.equal(batched.curve.length, STEPS * TASKS * 2, 'one train and one eval point per task per step');
  assert.equal(alone.curve.length, batched.curve.length);
  batched.curve.forEach((p, i) => {
    const q = alone.curve[i];
    assert.deepEqual([p.step, p.task, p.split], [q.step, q.task, q.split]);
    const rel = Math.abs(p.loss - q.loss) / Math.max(Math.abs(q.loss), 1e-12);
    assert.ok(rel <= 1e-4, `${model} seed ${batched.seed} step ${p.step} task ${p.task} ${p.split}: ${p.loss} in the group, ${q.loss} alone`);
  });
}

for (const model of ['single-task', 'cgc', 'ple', 'cross-stitch', 'l2-constrained']) {
  test(`${model}: each replica of a group of ${SEEDS.length} matches its run trained alone over ${STEPS} steps (wasm)`, () => {
    const batched = trainGroup(group(model, SEEDS));
    assert.equal(batched.length, SEEDS.length);
    SEEDS.forEach((seed, r) => {
      const [alone] = trainGroup(group(model, [seed]));
      assert.equal(batched[r].seed, seed);
      assert.equal(batched[r].status, 'ok');
      assertSameCurve(model, batched[r], alone);
    });
    assert.notDeepEqual(batched[0].evalLoss, batched[1].evalLoss, 'the replicas are different runs');
    if (model === 'cgc' || model === 'ple') assert.deepEqual([batched[0].gates!.length, batched[0].gates![0].length], [2, 2 * 2 + (model === 'cgc' ? 4 : 3)]);
  });
}
