// Families 3, 6 and 9: repeated grid values, sizes beyond the bounds, and config keys named
// after Object.prototype members. Each is refused before anything is allocated or written:
// exit 2, one line naming the value, no stack trace, no folder or file created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertOneLine, finishedSweep, runCli, snapshot, tmpDir } from './helpers';

const base = tmpDir('faults-input');
const config = (name: string, text: string) => {
  const f = path.join(base, `${name}.json`);
  fs.writeFileSync(f, text);
  return f;
};
const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;

// [what, args, fragment the line must hold]
const CASES: [string, string[], string | RegExp][] = [
  // 3. a repeated grid value would train every run twice: refused, compared as numbers
  ['--correlation 0.5,0.5', ['--correlation', '0.5,0.5'], /--correlation.*0\.5 is given twice/],
  ['--correlation 0,-0', ['--correlation', '0,-0'], /--correlation.*0 is given twice/],
  ['--correlation 0.50,0.5', ['--correlation', '0.50,0.5'], 'given twice'],
  ['--correlation 0.9,0.5,0.9', ['--correlation', '0.9,0.5,0.9'], '0.9 is given twice'],
  ['--lr 0.001,1e-3', ['--lr', '0.001,1e-3'], /--lr.*0\.001 is given twice/],
  ['--label-correlation 0.3,0.3', ['--label-correlation', '0.3,0.3'], /--label-correlation.*given twice/],
  ['config correlations [0.5,0.5]', ['--config', config('dup-corr', '{"sweep":{"correlations":[0.5,0.5]}}')], /sweep\.correlations.*given twice/],
  ['config lr [0.01,0.010]', ['--config', config('dup-lr', '{"train":{"lr":[0.01,0.010]}}')], /train\.lr.*given twice/],
  // a schedule is a word from a fixed list
  ['--lr-schedule linear', ['--lr-schedule', 'linear'], /--lr-schedule.*"linear".*one of constant, cosine/],
  ['config lrSchedule 1', ['--config', config('bad-schedule', '{"train":{"lrSchedule":1}}')], /train\.lrSchedule.*one of constant, cosine/],
  ['config lr by an unknown model', ['--config', config('lr-unknown-model', '{"train":{"lr":{"mmo":[0.01]}}}')], /train\.lr: model.*"mmo".*or default/],
  ['config lr by model with a repeated rate', ['--config', config('lr-model-dup', '{"train":{"lr":{"mmoe":[0.01,0.010],"default":[0.01]}}}')], /train\.lr\.mmoe.*given twice/],
  ['config lr as an empty object', ['--config', config('lr-empty', '{"train":{"lr":{}}}')], /train\.lr.*or an object of model name/],
  // 6. bounds, before anything is allocated
  ['--runs 1000000000', ['--runs', '1000000000'], /--runs.*1000000000.*\[1, 100000\]/],
  ['planned runs beyond the limit', ['--runs', '40000', '--correlation', '0.1,0.2,0.3'], /planned runs.*at most 100000/],
  ['--eval-size 1e8', ['--eval-size', '1e8'], /--eval-size.*100000000/],
  ['--batch-size 1e7', ['--batch-size', '1e7'], /--batch-size.*10000000/],
  ['--train-size 1e9', ['--train-size', '1000000000'], '--train-size'],
  ['--steps 1e12', ['--steps', '1e12'], '--steps'],
  ['--jobs 10000', ['--jobs', '10000'], new RegExp(`--jobs.*10000.*\\[1, ${cores * 4}\\]`)],
  ['--replicas 5000', ['--replicas', '5000'], /--replicas.*1024/],
  ['--shard 1/1000000', ['--shard', '1/1000000'], /--shard.*1\/1000000.*10000/],
  ['memory: eval rows × experts beyond this machine', ['--config', config('huge-model', '{"model":{"experts":1024,"expertUnits":100000},"data":{"evalSize":10000000}}')], /memory for training.*GB/],
  ['config histogramBins 1e9', ['--config', config('bins', '{"report":{"histogramBins":1000000000}}')], /report\.histogramBins.*10000/],
  ['config experts 5000', ['--config', config('experts', '{"model":{"experts":5000}}')], /model\.experts/],
  ['config dim 1e6', ['--config', config('dim', '{"data":{"dim":1000000}}')], /data\.dim/],
  ['steps / evalEvery beyond the curve bound', ['--steps', '10000000', '--eval-every', '1'], /evalEvery.*100000/],
  ['2000 correlations', ['--correlation', Array.from({ length: 2000 }, (_, i) => (i / 2000).toFixed(4)).join(',')], /--correlation.*at most 1000/],
  ['a 5000-character unknown flag (the line is cut to 300)', [`--${'x'.repeat(5000)}`], 'unknown option'],
  ['a 5000-value --lr list', ['--lr', Array.from({ length: 5000 }, (_, i) => `0.${i + 1}`).join(',')], /--lr.*chars/],
  // 9. keys named after Object.prototype members
  ['section "constructor"', ['--config', config('ctor', '{"constructor":{}}')], /unknown section.*constructor/],
  ['section "toString"', ['--config', config('tostring', '{"toString":{"a":1}}')], /unknown section.*toString/],
  ['section "__proto__"', ['--config', config('proto', '{"__proto__":{"steps":5}}')], /unknown section.*__proto__/],
  ['key train.hasOwnProperty', ['--config', config('hasown', '{"train":{"hasOwnProperty":1}}')], /unknown key train\.hasOwnProperty/],
  ['key sweep.constructor', ['--config', config('sweep-ctor', '{"sweep":{"constructor":{"runs":3}}}')], /unknown key sweep\.constructor/],
  ['nested data.__proto__', ['--config', config('nested-proto', '{"data":{"__proto__":{"dim":3}}}')], /unknown key data\.__proto__/],
  // an empty --config was skipped as if absent (exit 0): the file named is read, or refused
  ['--config ""', ['--config', ''], /--config "" cannot be read \(ENOENT\)/],
  ['key model.valueOf', ['--config', config('valueof', '{"model":{"valueOf":2}}')], /unknown key model\.valueOf/],
];

for (const [what, args, fragment] of CASES) {
  test(`refused up front: ${what} → exit 2, one line, nothing written`, () => {
    const out = path.join(base, `out-${CASES.findIndex((c) => c[0] === what)}`);
    const before = snapshot(base);
    const r = runCli(['--preset', 'smoke', ...args, '--out', out, '--quiet']);
    assertOneLine(r, 2, fragment);
    assert.equal(fs.existsSync(out), false, 'the refused sweep created its folder');
    assert.equal(snapshot(base), before);
  });
}

// --dry-run answers "would this run?": the bounds the sweep would hit are refused there too
for (const what of ['--jobs 10000', '--replicas 5000', 'memory: eval rows × experts beyond this machine', 'planned runs beyond the limit']) {
  const [, args, fragment] = CASES.find((c) => c[0] === what)!;
  test(`--dry-run refuses what the sweep would: ${what} → exit 2, one line`, () => {
    assertOneLine(runCli(['--preset', 'smoke', ...args, '--dry-run', '--out', path.join(base, 'dry-never')]), 2, fragment);
  });
}

test('without --quiet a refused sweep still prints one line: the banner comes only once the folder and bounds are accepted', () => {
  assertOneLine(runCli(['--preset', 'smoke', '--jobs', '10000', '--out', path.join(base, 'loud-never')]), 2, '--jobs');
});

test('the planned-runs bound is per shard: the refusal names a --shard count that splits the sweep under it, and that count is accepted', () => {
  const args = ['--preset', 'smoke', '--runs', '20000', '--correlation', '0.1,0.2,0.3', '--dry-run', '--out', path.join(base, 'dry-shard')];
  const r = runCli(args);
  assertOneLine(r, 2, /at most 100000 per sweep or shard \(--shard i\/(\d+) or more/);
  const n = Number(/--shard i\/(\d+)/.exec(r.stderr)![1]);
  const ok = runCli([...args, '--shard', `1/${n}`]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /dry run: nothing written/);
});

test('a single -0 is accepted and recorded as 0 (the same sweep as --correlation 0)', () => {
  const a = path.join(base, 'neg-zero');
  const r = runCli(['--preset', 'smoke', '--models', 'mmoe', '--correlation', '-0', '--runs', '1', '--steps', '20', '--out', a, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(a, 'manifest.json'), 'utf8')).config.sweep.correlations, [0]);
  // the same command with 0 resumes it: one config, one hash
  const again = runCli(['--preset', 'smoke', '--models', 'mmoe', '--correlation', '0', '--runs', '1', '--steps', '20', '--out', a, '--quiet', '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).resumed, 1);
});

test('correlation --rows 100000000: refused before allocating, no file', () => {
  const out = path.join(base, 'corr.csv');
  assertOneLine(runCli(['correlation', '--rows', '100000000', '--trials', '1', '--out', out]), 2, /--rows.*100000000/);
  assert.equal(fs.existsSync(out), false);
});

test('correlation --trials 1e9: refused, no file', () => {
  const out = path.join(base, 'corr2.csv');
  assertOneLine(runCli(['correlation', '--trials', '1000000000', '--out', out]), 2, '--trials');
  assert.equal(fs.existsSync(out), false);
});

test('merge of a shard 1/10000 alone: the missing shards listed in a short line', () => {
  const a = finishedSweep('input-shard', ['--shard', '1/10000']);
  const r = runCli(['merge', a, '--out', path.join(base, 'merged')]);
  assertOneLine(r, 2, /shard 2\/10000, 3\/10000.*and \d+ more.*9999 in all/);
});
