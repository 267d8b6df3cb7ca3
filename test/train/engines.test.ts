// Engine selection and the stepper: a group fed from outside equals trainGroup, on either engine.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { fusedArchitecture } from '../../src/engine/fused';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { MODEL_NAMES } from '../../src/models/zoo';
import { ModelShape } from '../../src/models/types';
import { engineFor } from '../../src/train/engines';
import { Group, batchViews, startGroup, trainGroup } from '../../src/train/replicas';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

const DATA: DataConfig = {
  dim: 100, scale: 1, sinusoids: 3, alpha: [1.2, 3.4, 7.2], beta: [3.1416, 1.5708, 1.5708],
  alphaStd: 1, betaStd: 1, noiseStd: 0.1, trainSize: 0, evalSize: 200,
};
const B = 128; // the study's batch
const SHAPE: ModelShape = { inputDim: DATA.dim, tasks: TASKS, bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8 };

function group(model: string, seeds: number[], steps: number, lr = 0.003): Group {
  const constants = studyConstants(DATA, 1);
  return {
    model, shape: SHAPE, lr,
    train: { steps, batchSize: B, lr: [lr], evalEvery: 100 },
    runs: seeds.map((seed, run) => ({ run, seed, data: makeRunData(DATA, 0.5, constants, seed) })),
  };
}

test('engine selection: fused where the architecture has one, tfjs when asked or when it has none', () => {
  for (const model of MODEL_NAMES) {
    assert.equal(engineFor(model, 'tfjs'), 'tfjs');
    assert.equal(engineFor(model, 'fused'), fusedArchitecture(model) ? 'fused' : 'tfjs');
  }
  assert.ok(MODEL_NAMES.some((m) => engineFor(m, 'fused') === 'fused'), 'no architecture has a fused engine');
  assert.equal(engineFor('an-architecture-without-a-fused-path', 'fused'), 'tfjs');
  const g = group('mmoe', [1], 1);
  const runs = g.runs.map((r) => ({ run: r.run, seed: r.seed, eval: r.data.eval }));
  for (const engine of ['tfjs', 'fused'] as const) {
    const s = startGroup({ ...g, runs }, engine);
    assert.equal(s.engine, engineFor('mmoe', engine));
    s.finish();
  }
});

test('the stepper refuses a step past the configured steps, and evaluates at evalEvery and the last step', () => {
  const g = group('mmoe', [5, 6], 250);
  const s = startGroup({ ...g, runs: g.runs.map((r) => ({ run: r.run, seed: r.seed, eval: r.data.eval })) }, 'fused');
  const xb = new Float32Array(2 * B * SHAPE.inputDim);
  const yb = new Float32Array(2 * B * TASKS);
  const views = batchViews(xb, yb, 2, B, SHAPE);
  for (let k = 0; k < 250; k++) {
    g.runs.forEach((r, i) => r.data.batches.next(views[i]));
    s.step(xb, yb);
  }
  assert.equal(s.steps, 250);
  assert.throws(() => s.step(xb, yb), RangeError);
  const [res] = s.finish();
  assert.deepEqual([...new Set(res.curve.map((p) => p.step))], [100, 200, 250]);
  assert.equal(res.gates?.length, TASKS, 'mmoe: one gate per task');
  assert.ok(res.gates!.every((row) => Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5), 'gate means sum to 1');
});


test("the tfjs engine adds an architecture's penalty to the loss (l2-constrained: a large λ changes the trajectory, λ = 0 is plain training)", () => {
  const model = 'l2-constrained';
  assert.ok(MODEL_NAMES.includes(model));
  const train = (l2Lambda: number) => {
    const g = group(model, [21, 22], 60, 0.01);
    return trainGroup({ ...g, shape: { ...SHAPE, l2Lambda } }, 'tfjs').map((r) => r.evalLoss);
  };
  const [none, again, strong] = [train(0), train(0), train(1)];
  assert.deepEqual(none, again, 'deterministic');
  none.forEach((row, r) => row.forEach((v, k) => assert.ok(Math.abs(v - strong[r][k]) > 1e-4 * v, `replica ${r} task ${k + 1}: ${v} with λ = 0, ${strong[r][k]} with λ = 1`)));
});
