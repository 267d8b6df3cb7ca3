// Bad input: one clear line on stderr naming the value and what is allowed, exit code 2, nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, snapshot, tmpDir } from '../helpers/cli';

const base = tmpDir('errors');
const malformed = path.join(base, 'malformed.json');
fs.writeFileSync(malformed, '{"train": {"steps": 10,,}}');
const unknownKey = path.join(base, 'unknown-key.json');
fs.writeFileSync(unknownKey, JSON.stringify({ train: { stepz: 10 } }));
const badValue = path.join(base, 'bad-value.json');
fs.writeFileSync(badValue, JSON.stringify({ data: { scale: -1 } }));
const badSection = path.join(base, 'bad-section.json');
fs.writeFileSync(badSection, JSON.stringify({ optimiser: {} }));
const alphaLength = path.join(base, 'alpha-length.json');
fs.writeFileSync(alphaLength, JSON.stringify({ data: { sinusoids: 2 } }));
const notObject = path.join(base, 'array.json');
fs.writeFileSync(notObject, '[1, 2]');
const existingFile = path.join(base, 'exists.csv');
fs.writeFileSync(existingFile, 'keep me\n');

// [args, a fragment the one line must contain (the bad value or what names it)]
const CASES: [string[], string][] = [
  [['--correlation', '1.5'], '1.5'],
  [['--correlation', '-1.01'], '-1.01'],
  [['--correlation', 'abc'], 'abc'],
  [['--correlation', '0.5,,0.9'], '--correlation'],
  [['--models', 'mmoe,transformer'], 'transformer'],
  [['--models', 'mmoe,mmoe'], 'mmoe'],
  [['--preset', 'nope'], 'nope'],
  [['--runs', '0'], '--runs'],
  [['--runs', '2.5'], '2.5'],
  [['--steps', '-5'], '-5'],
  [['--batch-size', '0'], '--batch-size'],
  [['--lr', '0'], '--lr'],
  [['--lr', '0.01,x'], 'x'],
  [['--train-size', '-1'], '-1'],
  [['--eval-size', '1'], '--eval-size'],
  [['--seed', '-3'], '-3'],
  [['--jobs', '0'], '--jobs'],
  [['--replicas', 'many'], 'many'],
  [['--backend', 'gpu'], 'gpu'],
  [['--config', path.join(base, 'missing.json')], 'missing.json'],
  [['--config', malformed], 'malformed.json'],
  [['--config', unknownKey], 'stepz'],
  [['--config', badValue], 'data.scale'],
  [['--config', badSection], 'optimiser'],
  [['--config', alphaLength], 'data.alpha'],
  [['--config', notObject], 'array.json'],
  [['--frobnicate'], '--frobnicate'],
  [['generate', '--correlation', '2', '--rows', '10', '--out', path.join(base, 'g.csv')], '2'],
  [['generate', '--correlation', '0.5', '--rows', '0', '--out', path.join(base, 'g.csv')], '--rows'],
  [['generate', '--correlation', '0.5', '--rows', '10', '--out', existingFile], 'exists.csv'],
  [['correlation', '--cosine', '0.5,3', '--out', path.join(base, 'c.csv')], '3'],
  [['correlation', '--trials', '0', '--out', path.join(base, 'c.csv')], '--trials'],
  [['nonsense-command'], 'nonsense-command'],
];

for (const [args, fragment] of CASES) {
  test(`bad input ${args.join(' ')} → exit 2, one line, nothing written`, () => {
    const out = path.join(base, `out-${CASES.findIndex((c) => c[0] === args)}`);
    const before = snapshot(base);
    const r = runCli([...args, ...(args[0] === 'generate' || args[0] === 'correlation' ? [] : ['--out', out])]);
    assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `more than one line on stderr:\n${r.stderr}`);
    assert.ok(lines[0].includes(fragment), `stderr does not name ${fragment}: ${lines[0]}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace printed');
    assert.equal(r.stdout, '');
    assert.equal(snapshot(base), before, 'a file was written or changed');
    assert.equal(fs.existsSync(out), false);
  });
}

test('an --out folder holding another sweep is refused, naming what differs; --force replaces it', () => {
  const out = path.join(tmpDir('other'), 'out');
  assert.equal(runCli(['--preset', 'smoke', '--out', out, '--quiet']).code, 0);
  const before = snapshot(out);
  const r = runCli(['--preset', 'smoke', '--steps', '20', '--out', out, '--quiet']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /train\.steps 40 → 20/);
  assert.equal(snapshot(out), before);
  const forced = runCli(['--preset', 'smoke', '--steps', '20', '--out', out, '--quiet', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config.train.steps, 20);
});

test('a non-empty --out without a manifest is refused and left untouched', () => {
  const out = tmpDir('foreign');
  fs.writeFileSync(path.join(out, 'notes.txt'), 'mine\n');
  const before = snapshot(out);
  const r = runCli(['--preset', 'smoke', '--out', out, '--quiet']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not empty/);
  assert.equal(snapshot(out), before);
});

test('--help shows a runnable example and every sweep flag; exit 0', () => {
  const r = runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /mmoe-sweep --correlation 0\.5/);
  for (const f of ['--correlation', '--models', '--runs', '--seed', '--steps', '--batch-size', '--lr', '--train-size', '--eval-size', '--preset', '--config', '--out', '--jobs', '--backend', '--quiet', '--json', '--replicas', '--force']) {
    assert.ok(r.stdout.includes(f), `--help lacks ${f}`);
  }
});
