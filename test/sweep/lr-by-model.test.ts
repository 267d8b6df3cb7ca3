// Learning rates by model (train.lr as an object): each model trains at its own rates, and a
// model's runs equal the same runs of a sweep that gives every model those rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readTable, runCli, tmpDir } from '../helpers/cli';
import { configHash, resolveConfig } from '../../src/config/load';
import { allRuns } from '../../src/sweep/plan';

const root = tmpDir('lr-by-model');
const config = (name: string, body: unknown) => {
  const f = path.join(root, `${name}.json`);
  fs.writeFileSync(f, JSON.stringify(body));
  return f;
};
const TINY = { steps: 40, evalEvery: 20, batchSize: 32 };

test('plan: each model at its own rates, "default" for the models not named; --lr on the command line replaces the object', () => {
  const file = config('plan', { train: { lr: { 'shared-bottom': [0.003], default: [0.01, 0.02] } }, sweep: { runs: 3, correlations: [0.5, 1] } });
  const cfg = resolveConfig({ preset: 'smoke', configFile: file, flags: { models: 'shared-bottom,omoe,mmoe' } });
  const runs = allRuns(cfg);
  const pairs = new Set(runs.map((k) => `${k.model}@${k.lr}`));
  assert.deepEqual([...pairs].sort(), ['mmoe@0.01', 'mmoe@0.02', 'omoe@0.01', 'omoe@0.02', 'shared-bottom@0.003']);
  assert.equal(runs.length, 5 * 2 * 3);
  const flat = resolveConfig({ preset: 'smoke', configFile: file, flags: { lr: '0.005' } });
  assert.deepEqual(flat.train.lr, [0.005]);
});

test('a sweep with rates by model: runs.csv holds exactly the planned (model, lr) pairs, and each equals a plain sweep at that rate', () => {
  const byModel = path.join(root, 'by-model');
  const file = config('sweep', { train: { ...TINY, lr: { mmoe: [0.02], default: [0.005] } }, sweep: { models: ['omoe', 'mmoe'], runs: 2, correlations: [0.5] } });
  let r = runCli(['--config', file, '--jobs', '1', '--quiet', '--out', byModel]);
  assert.equal(r.code, 0, r.stderr);
  const t = readTable(path.join(byModel, 'runs.csv'));
  const col = (n: string) => t.header.indexOf(n);
  assert.deepEqual([...new Set(t.rows.map((x) => `${x[col('model')]}@${x[col('lr')]}`))].sort(), ['mmoe@0.02', 'omoe@0.005']);
  assert.equal(t.rows.length, 2 * 2 * 2, 'two models × two runs × two tasks');
  // the same mmoe runs from a sweep where every model trains at 0.02
  const plain = path.join(root, 'plain');
  r = runCli(['--config', config('plain', { train: { ...TINY, lr: [0.02] }, sweep: { models: ['mmoe'], runs: 2, correlations: [0.5] } }), '--jobs', '1', '--quiet', '--out', plain]);
  assert.equal(r.code, 0, r.stderr);
  const p = readTable(path.join(plain, 'runs.csv'));
  const loss = (rows: string[][], header: string[]) => rows.filter((x) => x[header.indexOf('model')] === 'mmoe').map((x) => x[header.indexOf('eval_loss')]);
  assert.deepEqual(loss(t.rows, t.header), loss(p.rows, p.header));
  // the summary marks the best lr per model among its own rates
  const s = readTable(path.join(byModel, 'summary.csv'));
  assert.ok(s.rows.every((x) => x[s.header.indexOf('best_lr')] === 'true'), 'one rate per model: each is its best');
});

test('a model the object does not name, with no "default", is refused with one line (exit 2)', () => {
  const r = runCli(['--config', config('missing', { train: { lr: { mmoe: [0.01] } } }), '--models', 'omoe,mmoe', '--out', path.join(root, 'never')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /train\.lr names no rates for omoe/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(path.join(root, 'never')));
});

test('equal plans are one sweep: "default", naming every model, unused keys and one shared list all hash alike', () => {
  let n = 0;
  const hash = (lr: unknown) => {
    const cfg = resolveConfig({ preset: 'smoke', configFile: config(`hash-${n++}`, { train: { lr } }), flags: { models: 'shared-bottom,omoe,mmoe' } });
    return configHash(cfg);
  };
  assert.equal(hash({ default: [0.01] }), hash([0.01]));
  assert.equal(hash({ 'shared-bottom': [0.01], omoe: [0.01], mmoe: [0.01] }), hash([0.01]));
  const byModel = hash({ 'shared-bottom': [0.003], omoe: [0.01], mmoe: [0.01] });
  assert.equal(hash({ 'shared-bottom': [0.003], default: [0.01] }), byModel);
  assert.equal(hash({ 'shared-bottom': [0.003], default: [0.01], cgc: [0.5] }), byModel, 'a key for a model not in the sweep changes nothing');
  assert.notEqual(hash({ 'shared-bottom': [0.003], default: [0.02] }), byModel);
});
