// Learning-rate schedules: the rates themselves, and a cosine run on both engines.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { ModelShape } from '../../src/models/types';
import { LrSchedule, scheduledLr } from '../../src/train/schedule';
import { trainGroup } from '../../src/train/replicas';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

test('cosine: lr at the first step, half of it at the middle, towards 0 at the last; constant: lr throughout', () => {
  const steps = 1000;
  assert.equal(scheduledLr('cosine', 0.01, 0, steps), 0.01);
  assert.ok(Math.abs(scheduledLr('cosine', 0.01, 500, steps) - 0.005) < 1e-15);
  const last = scheduledLr('cosine', 0.01, steps - 1, steps);
  assert.ok(last > 0 && last < 0.01 * 3e-5, `last step ${last}`);
  for (let t = 1; t < steps; t++) assert.ok(scheduledLr('cosine', 0.01, t, steps) < scheduledLr('cosine', 0.01, t - 1, steps), `falls at ${t}`);
  for (const t of [0, 1, 500, 999]) {
    assert.equal(scheduledLr('constant', 0.01, t, steps), 0.01);
    assert.equal(scheduledLr(undefined, 0.01, t, steps), 0.01);
  }
});

const DATA: DataConfig = {
  dim: 100, scale: 1, sinusoids: 3, alpha: [1.2, 3.4, 7.2], beta: [3.1416, 1.5708, 1.5708],
  alphaStd: 1, betaStd: 1, noiseStd: 0.1, trainSize: 0, evalSize: 200,
};
const SHAPE: ModelShape = { inputDim: DATA.dim, tasks: TASKS, bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8 };

function train(engine: 'fused' | 'tfjs', lrSchedule: LrSchedule, steps = 300): number[] {
  const constants = studyConstants(DATA, 1);
  const runs = [31, 32].map((seed, run) => ({ run, seed, data: makeRunData(DATA, 0.5, constants, seed) }));
  const results = trainGroup({ model: 'mmoe', shape: SHAPE, lr: 0.01, train: { steps, batchSize: 128, lr: [0.01], evalEvery: 100, lrSchedule }, runs }, engine);
  return results.flatMap((r) => r.evalLoss);
}

test('a cosine run follows one trajectory on both engines, and a different one from a constant rate', () => {
  const fused = train('fused', 'cosine');
  const tfjs = train('tfjs', 'cosine');
  const constant = train('fused', 'constant');
  fused.forEach((v, i) => assert.ok(Math.abs(v - tfjs[i]) <= 1e-2 * tfjs[i], `loss ${i}: fused ${v}, tfjs ${tfjs[i]}`));
  const apart = fused.map((v, i) => Math.abs(v - constant[i]) / constant[i]);
  assert.ok(Math.max(...apart) > 1e-3, `cosine and constant end within ${Math.max(...apart)} of each other: the schedule is not applied`);
});

test('a cosine run whose rate is annealed to 0 stops moving: its last steps change the held-out loss far less than its first', () => {
  const constants = studyConstants(DATA, 1);
  const runs = [{ run: 0, seed: 41, data: makeRunData(DATA, 0.5, constants, 41) }];
  const [res] = trainGroup({ model: 'mmoe', shape: SHAPE, lr: 0.01, train: { steps: 400, batchSize: 128, lr: [0.01], evalEvery: 20, lrSchedule: 'cosine' }, runs }, 'fused');
  const evalAt = (step: number) => res.curve.filter((p) => p.split === 'eval' && p.step === step).reduce((a, p) => a + p.loss, 0);
  const early = Math.abs(evalAt(40) - evalAt(20));
  const late = Math.abs(evalAt(400) - evalAt(380));
  assert.ok(late < early / 20, `change over steps 20-40: ${early}; over 380-400: ${late}`);
});
