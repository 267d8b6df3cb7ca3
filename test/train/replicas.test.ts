// The replica contract (issue 3): a run trained inside a batched group of R replicas follows
// the trajectory it follows trained alone (same seed, same backend), to float rounding.
// Runs on the wasm backend, whose matmuls the engine replaces (src/engine/wasm-matmul.ts).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { MODEL_NAMES } from '../../src/models/zoo';
import { ModelShape } from '../../src/models/types';
import { DEFAULTS } from '../../src/config/defaults';
import { Group, RunResult, trainGroup } from '../../src/train/replicas';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

const DATA: DataConfig = {
  dim: 100, scale: 1, sinusoids: 3, alpha: [1.2, 3.4, 7.2], beta: [3.1416, 1.5708, 1.5708],
  alphaStd: 1, betaStd: 1, noiseStd: 0.1, trainSize: 500, evalSize: 64,
};
/** The paper's sizes: large enough that the experts' matmuls take the XNNPACK path, small towers the loop. */
const SHAPE: ModelShape = { ...DEFAULTS.model, inputDim: DATA.dim, tasks: TASKS };
const STEPS = 120; // every model in the zoo, the successors included
const SEEDS = [101, 202, 303, 404];

function group(model: string, seeds: number[]): Group {
  const constants = studyConstants(DATA, 1);
  return {
    model,
    shape: SHAPE,
    lr: 0.01, // a large step, so rounding differences would grow if replicas leaked into each other
    train: { steps: STEPS, batchSize: 64, lr: [0.01], evalEvery: 1 },
    runs: seeds.map((seed, run) => ({ run, seed, data: makeRunData(DATA, 0.5, constants, seed) })),
  };
}

function assertSameCurve(model: string, batched: RunResult, alone: RunResult): void {
  assert.equal(batched.curve.length, alone.curve.length);
  assert.equal(batched.curve.length, STEPS * TASKS * 2, 'one train and one eval point per task per step');
  let worst = 0;
  batched.curve.forEach((p, i) => {
    const q = alone.curve[i];
    assert.deepEqual([p.step, p.task, p.split], [q.step, q.task, q.split]);
    const rel = Math.abs(p.loss - q.loss) / Math.max(Math.abs(q.loss), 1e-12);
    worst = Math.max(worst, rel);
    assert.ok(rel <= 1e-4, `${model} seed ${batched.seed} step ${p.step} task ${p.task} ${p.split}: ${p.loss} in the group, ${q.loss} alone`);
  });
  assert.ok(Number.isFinite(worst));
}

for (const model of MODEL_NAMES) {
  test(`${model}: each replica of a group of 4 matches its run trained alone over ${STEPS} steps (wasm)`, () => {
    const batched = trainGroup(group(model, SEEDS));
    assert.equal(batched.length, SEEDS.length);
    SEEDS.forEach((seed, r) => {
      const [alone] = trainGroup(group(model, [seed]));
      assert.equal(batched[r].seed, seed);
      assert.equal(batched[r].status, 'ok');
      assertSameCurve(model, batched[r], alone);
    });
    // the replicas really are different runs
    assert.notDeepEqual(batched[0].evalLoss, batched[1].evalLoss);
  });
}
