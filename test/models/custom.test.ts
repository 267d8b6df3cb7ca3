// Your own architecture (--model-file): examples/custom-model.js through sweep, resume, report
// and merge like a built-in; a changed file refused by resume and merge; a module that is not a
// valid Architecture refused with one line and exit 2.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { UsageError } from '../../src/errors';
import { registerModelFiles } from '../../src/models/custom';
import { BUILTIN_NAMES, MODEL_NAMES, architecture } from '../../src/models/zoo';
import { ROOT, readTable, runCli, snapshot, tmpDir } from '../helpers/cli';
import { useCpuBackend } from '../helpers/tf';

before(useCpuBackend);

const EXAMPLE = path.join(ROOT, 'examples', 'custom-model.js');
const SMALL = ['--preset', 'smoke', '--steps', '20', '--eval-every', '10', '--correlation', '0.5,1', '--runs', '2', '--jobs', '2', '--quiet'];
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function assertOneLineRefusal(r: { code: number; stderr: string }, ...mentions: string[]): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
  for (const m of mentions) assert.ok(r.stderr.includes(m), `stderr lacks ${JSON.stringify(m)}: ${r.stderr}`);
}

test('examples/custom-model.js: a sweep, a resume and a report treat it as a built-in', () => {
  const out = path.join(tmpDir('custom'), 'sweep');
  const args = ['--model-file', 'examples/custom-model.js', '--models', 'deep-bottom,shared-bottom', ...SMALL, '--out', out];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  const runs = readTable(path.join(out, 'runs.csv'));
  const model = runs.header.indexOf('model');
  // 2 models × 2 correlations × 2 runs × 2 tasks, with finite losses
  assert.equal(runs.rows.filter((row) => row[model] === 'deep-bottom').length, 8);
  const loss = runs.header.indexOf('eval_loss');
  for (const row of runs.rows) assert.ok(Number.isFinite(Number(row[loss])) && Number(row[loss]) > 0, row.join());
  // params.csv: 100·96 + 96 + 96·32 + 32 + 2·(32·8 + 8 + 8 + 1) = 9696 + 3104 + 546
  const params = readTable(path.join(out, 'params.csv')).rows.filter((row) => row[0] === 'deep-bottom');
  assert.deepEqual(params, [['deep-bottom', 'bottom', '12800'], ['deep-bottom', 'towers', '546'], ['deep-bottom', 'total', '13346']]);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  // recorded relative to the working directory (the repository root here), not as a machine path
  assert.deepEqual(manifest.modelFiles, [{ name: 'deep-bottom', file: 'examples/custom-model.js', sha256: sha(EXAMPLE) }]);
  assert.deepEqual(manifest.config.sweep.models, ['deep-bottom', 'shared-bottom']);

  // the same command again resumes: nothing retrained, the same rows
  const before = fs.readFileSync(path.join(out, 'runs.csv'), 'utf8');
  const again = runCli([...args.filter((a) => a !== '--quiet'), '--json']);
  assert.equal(again.code, 0, again.stderr);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.resumed, 8);
  assert.equal(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8'), before);

  const rep = runCli(['report', out]);
  assert.equal(rep.code, 0, rep.stderr);
  const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.ok(md.includes('deep-bottom'), 'report.md does not mention the custom model');
});

test('resume refuses a model file that changed since the sweep began, and leaves the folder as it was', () => {
  const dir = tmpDir('custom-changed');
  const file = path.join(dir, 'model.js');
  fs.copyFileSync(EXAMPLE, file);
  const out = path.join(dir, 'sweep');
  const args = ['--model-file', file, '--models', 'deep-bottom', ...SMALL, '--out', out];
  assert.equal(runCli(args).code, 0);
  fs.appendFileSync(file, '// edited\n');
  const snap = snapshot(out);
  assertOneLineRefusal(runCli(args), 'deep-bottom', 'sha256', sha(file).slice(0, 12));
  assert.equal(snapshot(out), snap);
});

test('merge: shards with a model file merge like built-ins, and refuse a file changed since they ran', () => {
  const dir = tmpDir('custom-merge');
  const file = path.join(dir, 'model.js');
  fs.copyFileSync(EXAMPLE, file);
  const shards = [1, 2].map((i) => {
    const out = path.join(dir, `shard-${i}`);
    const r = runCli(['--model-file', file, '--models', 'deep-bottom,mmoe', ...SMALL, '--shard', `${i}/2`, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    return out;
  });
  const merged = path.join(dir, 'merged');
  const r = runCli(['merge', ...shards, '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  const params = readTable(path.join(merged, 'params.csv')).rows;
  assert.ok(params.some((row) => row.join() === 'deep-bottom,total,13346'), params.join('\n'));
  assert.equal(readTable(path.join(merged, 'runs.csv')).rows.length, 2 * 2 * 2 * 2);

  fs.appendFileSync(file, '// edited\n');
  assertOneLineRefusal(runCli(['merge', ...shards, '--out', path.join(dir, 'merged-again')]), 'has changed');
  assert.equal(fs.existsSync(path.join(dir, 'merged-again')), false);
});

test('--models names a custom model only when --model-file registers it', () => {
  const out = path.join(tmpDir('custom-unknown'), 'sweep');
  assertOneLineRefusal(runCli(['--models', 'deep-bottom', ...SMALL, '--out', out]), '"deep-bottom"', '--model-file');
  assert.equal(fs.existsSync(out), false);
});

// ---------------------------------------------------------------- invalid modules

const BAD: Record<string, [string, string]> = {
  'missing forward': ["module.exports = { name: 'm1', summary: 's', params: () => [] };", 'lacks forward'],
  'params not a function': ["module.exports = { name: 'm2', summary: 's', params: 3, forward() {} };", 'params is number'],
  'a built-in name': ["module.exports = ({ layers }) => ({ name: 'mmoe', summary: 's', params: (s) => layers.towerSpecs(s, s.inputDim), forward: (p, x) => ({ predictions: layers.towers(p, [x, x]), gates: null }) });", 'built-in'],
  'named default (train.lr\'s key for the others)': ["module.exports = ({ layers }) => ({ name: 'default', summary: 's', params: (s) => layers.towerSpecs(s, s.inputDim), forward: (p, x) => ({ predictions: layers.towers(p, [x, x]), gates: null }) });", 'is reserved'],
  'named constructor (an Object.prototype member)': ["module.exports = ({ layers }) => ({ name: 'constructor', summary: 's', params: (s) => layers.towerSpecs(s, s.inputDim), forward: (p, x) => ({ predictions: layers.towers(p, [x, x]), gates: null }) });", 'is reserved'],
  'throws on load': ["throw new Error('boom at load');", 'throws on load (boom at load)'],
  'exports a number': ['module.exports = 42;', 'exports number'],
  'a bad spec': ["module.exports = { name: 'm3', summary: 's', params: () => [{ name: 'w', shape: [2, -1], component: 'towers', init: 'glorot', fanIn: 1, fanOut: 1 }], forward() {} };", 'shape is not a list of positive integers'],
  'wrong prediction shape': ["module.exports = ({ tf, layers }) => ({ name: 'm4', summary: 's', params: (s) => layers.denseSpecs('a', 'bottom', s.inputDim, 3), forward: (p, x) => ({ predictions: layers.dense(p, 'a', x, false), gates: null }) });", 'expected [2, 3, 2]'],
  'mixes replicas': ["module.exports = ({ tf, layers }) => ({ name: 'm5', summary: 's', params: (s) => layers.denseSpecs('a', 'bottom', s.inputDim, 2), forward: (p, x) => ({ predictions: tf.add(layers.dense(p, 'a', x, false), tf.sum(p['a.w'])), gates: null }) });", 'mixes replicas'],
  'forward throws': ["module.exports = ({ layers }) => ({ name: 'm6', summary: 's', params: (s) => layers.denseSpecs('a', 'bottom', s.inputDim, 2), forward: () => { throw new Error('no'); } });", 'forward throws on a probe batch (no)'],
};

test('a module that is not a valid Architecture is a UsageError naming the file and the problem, and registers nothing', () => {
  const dir = tmpDir('custom-bad');
  for (const [label, [source, problem]] of Object.entries(BAD)) {
    const file = path.join(dir, `${label.replace(/ /g, '-')}.js`);
    fs.writeFileSync(file, source);
    const names = [...MODEL_NAMES];
    assert.throws(() => registerModelFiles([file]), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${label}: ${String(e)}`);
      assert.ok(e.message.includes(file) && e.message.includes(problem), `${label}: ${e.message}`);
      assert.ok(e.message.includes('allowed:'), e.message);
      return true;
    });
    assert.deepEqual(MODEL_NAMES, names, `${label}: registered anyway`);
  }
  assert.throws(() => registerModelFiles([path.join(dir, 'absent.js')]), /cannot be read \(ENOENT\)/);
  assert.equal(architecture('mmoe').name, 'mmoe');
  assert.deepEqual([...BUILTIN_NAMES], MODEL_NAMES);
});

test('the CLI turns an invalid module into one line on stderr and exit 2, writing nothing', () => {
  const dir = tmpDir('custom-bad-cli');
  const file = path.join(dir, 'bad.js');
  fs.writeFileSync(file, BAD['wrong prediction shape'][0]);
  const out = path.join(dir, 'sweep');
  assertOneLineRefusal(runCli(['--model-file', file, '--models', 'm4', ...SMALL, '--out', out]), '--model-file', file, 'expected [2, 3, 2]');
  assert.equal(fs.existsSync(out), false);
});

test('the same file registered twice is one model; two files with one name are refused', () => {
  const [a] = registerModelFiles([EXAMPLE]);
  const [b] = registerModelFiles([EXAMPLE]);
  assert.equal(a, b);
  assert.equal(MODEL_NAMES.filter((n) => n === 'deep-bottom').length, 1);
  const dir = tmpDir('custom-twice');
  const other = path.join(dir, 'other.js');
  fs.writeFileSync(other, fs.readFileSync(EXAMPLE, 'utf8').replace("summary: '", "summary: 'another: "));
  assert.throws(() => registerModelFiles([other]), /already taken/);
});
