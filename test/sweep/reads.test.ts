// Architecture.reads: each built-in lists exactly the model keys that change what it computes
// (tfjs and fused alike), the plan trains a model once per point of the --set axes it sees, and a
// --model-file's declaration is checked (none: every key).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULTS, SweepConfig } from '../../src/config/defaults';
import { SCHEMA } from '../../src/config/schema';
import { gridPoints, pointLabel } from '../../src/config/grid';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { initBackend } from '../../src/engine/backend';
import { UsageError } from '../../src/errors';
import { keysChanging, registerModelFiles } from '../../src/models/custom';
import { MODEL_KEYS, ModelShape, keysRead } from '../../src/models/types';
import { BUILTIN_NAMES, architecture } from '../../src/models/zoo';
import { trainGroup } from '../../src/train/replicas';
import { allRuns, axesNotRead, pointSeen, runId } from '../../src/sweep/plan';
import { RunRecord, listedRecords } from '../../src/sweep/tables';
import { tmpDir } from '../helpers/cli';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

// small sizes, every key distinct from the one it is moved to
const SHAPE: ModelShape = {
  inputDim: 10, tasks: TASKS, bottomUnits: 6, experts: 3, expertUnits: 4, towerUnits: 3, taskUnits: 5,
  cgcTaskExperts: 2, cgcSharedExperts: 2, pleTaskExperts: 1, pleSharedExperts: 2, pleLevels: 2, l2Lambda: 0.01,
};

test('MODEL_KEYS are the schema\'s model keys and the defaults\'', () => {
  assert.deepEqual([...MODEL_KEYS].sort(), Object.keys(SCHEMA.model).sort());
  assert.deepEqual([...MODEL_KEYS].sort(), Object.keys(DEFAULTS.model).sort());
});

test('every built-in declares reads, and it is exactly the keys that change its specs, predictions, gates or penalty', () => {
  for (const name of BUILTIN_NAMES) {
    const a = architecture(name);
    assert.ok(a.reads, `${name} declares no reads`);
    assert.deepEqual([...a.reads!].sort(), keysChanging(a, SHAPE).sort(), name);
  }
  // the probe is not blind: mmoe reads experts, single-task does not
  assert.ok(keysChanging(architecture('mmoe'), SHAPE).includes('experts'));
  assert.ok(!keysChanging(architecture('single-task'), SHAPE).includes('experts'));
});

test('training ignores the keys a model does not read: the same results on both engines with all of them moved', () => {
  const data: DataConfig = { ...DEFAULTS.data, dim: SHAPE.inputDim, trainSize: 64, evalSize: 32 };
  const constants = studyConstants(data, 1);
  const train = { steps: 12, batchSize: 8, lr: [0.01], evalEvery: 6 };
  for (const name of BUILTIN_NAMES) {
    const reads = keysRead(architecture(name));
    const moved: ModelShape = { ...SHAPE };
    for (const k of MODEL_KEYS) if (!reads.includes(k)) (moved as unknown as Record<string, number>)[k] = (SHAPE[k] as number) + 1;
    for (const engine of ['fused', 'tfjs'] as const) {
      const results = (shape: ModelShape) =>
        trainGroup({ model: name, shape, lr: 0.01, train, runs: [7, 8].map((seed, run) => ({ run, seed, data: makeRunData(data, 0.5, constants, seed) })) }, engine).map(({ seconds, ...r }) => r);
      const a = results(SHAPE);
      assert.ok(a.every((r) => r.status === 'ok' && r.evalLoss.every(Number.isFinite)), `${name} ${engine}`);
      assert.deepEqual(results(moved), a, `${name} on ${engine} with ${MODEL_KEYS.filter((k) => !reads.includes(k)).join(', ')} moved`);
    }
  }
});

const config = (models: string[], grid: Record<string, number[]>, runs = 3): SweepConfig => ({
  ...DEFAULTS,
  sweep: { models, correlations: [0.5, 1], runs, seed: 1, grid },
});

test('pointSeen keeps data and train keys for every model and the model keys its architecture reads', () => {
  const point = { 'model.experts': 4, 'data.noiseStd': 0.5, 'train.batchSize': 32, 'model.taskUnits': 9 };
  assert.deepEqual(pointSeen('mmoe', point), { 'model.experts': 4, 'data.noiseStd': 0.5, 'train.batchSize': 32 });
  assert.deepEqual(pointSeen('single-task', point), { 'data.noiseStd': 0.5, 'train.batchSize': 32, 'model.taskUnits': 9 });
  assert.deepEqual(pointSeen('shared-bottom', point), { 'data.noiseStd': 0.5, 'train.batchSize': 32 });
  assert.deepEqual(pointSeen('not-registered', point), point, 'an unknown model sees the whole point');
  assert.deepEqual(axesNotRead(config(['mmoe', 'single-task', 'cgc'], { 'model.experts': [2, 4], 'data.noiseStd': [0.1, 1] })), { 'single-task': ['model.experts'], cgc: ['model.experts'] });
});

test('allRuns trains a model once per point it sees; the shards partition those runs', () => {
  const cfg = config(['mmoe', 'single-task'], { 'model.experts': [2, 4, 8], 'data.noiseStd': [0.1, 1] });
  const runs = allRuns(cfg);
  const count = (m: string) => runs.filter((k) => k.model === m).length;
  assert.equal(count('mmoe'), 2 * 3 * 3 * 2, 'correlations × runs × experts × noise');
  assert.equal(count('single-task'), 2 * 3 * 2, 'correlations × runs × noise: once for all experts values');
  assert.equal(new Set(runs.map(runId)).size, runs.length);
  for (const k of runs.filter((r) => r.model === 'single-task')) assert.deepEqual(Object.keys(k.point), ['data.noiseStd']);
  const parts = [1, 2, 3].map((index) => allRuns(cfg, { index, count: 3 }).map(runId));
  assert.deepEqual(parts.flat().sort(), runs.map(runId).sort());
  // no axis a model ignores: the plan is the full product, ids as before
  const full = allRuns(config(['mmoe', 'omoe'], { 'model.experts': [2, 4] }));
  assert.equal(full.length, 2 * 2 * 3 * 2);
  assert.ok(full.every((k) => pointLabel(k.point) === `model.experts=${k.point['model.experts']}`));
});

test('listedRecords lists a run under every grid point its model sees it at, and nothing without axes', () => {
  const cfg = config(['mmoe', 'single-task'], { 'model.experts': [2, 4, 8] });
  const result = { run: 0, seed: 1 } as RunRecord['result'];
  const single: RunRecord = { model: 'single-task', correlation: 0.5, lr: 0.001, result };
  const mmoe: RunRecord = { model: 'mmoe', correlation: 0.5, lr: 0.001, point: { 'model.experts': 4 }, result };
  const listed = listedRecords(cfg, [single, mmoe]);
  assert.deepEqual(listed.map((r) => `${r.model} ${pointLabel(r.point)}`), ['single-task model.experts=2', 'single-task model.experts=4', 'single-task model.experts=8', 'mmoe model.experts=4']);
  assert.ok(listed.filter((r) => r.model === 'single-task').every((r) => r.result === result), 'the same run, not a copy of other numbers');
  assert.equal(gridPoints(cfg.sweep.grid).length, 3);
  const plain = { ...cfg, sweep: { ...cfg.sweep, grid: undefined } };
  assert.deepEqual(listedRecords(plain, [single]), [single]);
});

function moduleFile(dir: string, name: string, reads: unknown): string {
  const file = path.join(dir, `${name}.js`);
  // a shared bottom of taskUnits ReLU units: it reads taskUnits and towerUnits
  fs.writeFileSync(file, `module.exports = ({ layers }) => ({
  name: '${name}', summary: 'a shared bottom of taskUnits units',${reads !== null ? `\n  reads: ${JSON.stringify(reads)},` : ''}
  params: (s) => [...layers.denseSpecs('bottom', 'bottom', s.inputDim, s.taskUnits), ...layers.towerSpecs(s, s.taskUnits)],
  forward: (p, x, s) => { const h = layers.dense(p, 'bottom', x, true); return { predictions: layers.towers(p, Array.from({ length: s.tasks }, () => h)), gates: null }; },
});\n`);
  return file;
}

test('--model-file: reads is checked against what the model uses; without it the model reads every key', () => {
  const dir = tmpDir('reads');
  registerModelFiles([moduleFile(dir, 'declared', ['taskUnits', 'towerUnits']), moduleFile(dir, 'silent', null)]);
  assert.deepEqual(keysRead(architecture('declared')), ['taskUnits', 'towerUnits']);
  assert.deepEqual(keysRead(architecture('silent')), MODEL_KEYS);
  const cfg = config(['declared', 'silent'], { 'model.experts': [2, 4], 'model.taskUnits': [3, 5] });
  const runs = allRuns(cfg);
  assert.equal(runs.filter((k) => k.model === 'declared').length, 2 * 3 * 2, 'once for both experts values');
  assert.equal(runs.filter((k) => k.model === 'silent').length, 2 * 3 * 4, 'at every combination');
  const cases: [string, unknown, RegExp][] = [
    ['under-declared', ['towerUnits'], /reads lists towerUnits but the model changes with model\.taskUnits too/],
    ['empty', [], /reads lists no key but the model changes with model\.towerUnits, model\.taskUnits/],
    ['unknown key', ['taskUnits', 'towerUnits', 'units'], /reads is \["taskUnits","towerUnits","units"\], not a list of distinct model keys/],
    ['repeated', ['taskUnits', 'taskUnits', 'towerUnits'], /not a list of distinct model keys/],
    ['not a list', 'taskUnits', /reads is "taskUnits"/],
  ];
  for (const [what, reads, want] of cases) {
    const name = `bad-${what.replace(/\W+/g, '-')}`;
    const file = moduleFile(dir, name, reads);
    assert.throws(() => registerModelFiles([file]), (e: unknown) => e instanceof UsageError && want.test(e.message) && !e.message.includes('\n'), what);
  }
  // a read through a cap: unchanged one step above the probe's value (experts 3 -> 4), changed below it
  const capped = path.join(dir, 'capped.js');
  fs.writeFileSync(capped, fs.readFileSync(moduleFile(dir, 'capped-base', ['taskUnits', 'towerUnits']), 'utf8')
    .replace("name: 'capped-base'", "name: 'capped'").replaceAll('s.taskUnits)', 's.taskUnits + Math.min(s.experts, 3))'));
  assert.throws(() => registerModelFiles([capped]), (e: unknown) => e instanceof UsageError && /changes with model\.experts/.test(e.message), 'a capped read');
});
