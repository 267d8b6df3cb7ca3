// A config file that gives a key twice: JSON.parse keeps the last without a word, so the file
// would not say what the sweep trains with. Through the real executable: exit 2, one line naming
// the file, the key and its path, nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { assertOneLine, finishedSweep, runCli, snapshot, tmpDir } from './helpers';

const base = tmpDir('faults-duplicate-keys');

test('a --config file that gives a key twice is refused, naming the file, the key and its path; nothing written', () => {
  const cases: [string, string, RegExp][] = [
    ['train-lr', '{"train": {"lr": [0.01], "steps": 20, "lr": [0.1]}}', /has the key "lr" twice \(at train\.lr\)/],
    ['section', '{"train": {"steps": 20}, "sweep": {"runs": 1}, "train": {"steps": 30}}', /has the key "train" twice \(at train\)/],
    ['grid', '{"sweep": {"grid": {"model.experts": [2], "model.experts": [4]}}}', /has the key "model\.experts" twice \(at sweep\.grid\.model\.experts\)/],
  ];
  for (const [name, text, line] of cases) {
    const file = path.join(base, `dup-${name}.json`);
    fs.writeFileSync(file, text);
    const out = path.join(base, `dup-out-${name}`);
    const r = runCli(['--preset', 'smoke', '--config', file, '--out', out, '--quiet']);
    assertOneLine(r, 2, line);
    assert.ok(r.stderr.includes(`--config ${JSON.stringify(file)}`), r.stderr);
    assert.equal(fs.existsSync(out), false);
    // the same for --dry-run and for the commands that read a config
    assertOneLine(runCli(['--preset', 'smoke', '--config', file, '--dry-run']), 2, line);
    assertOneLine(runCli(['generate', '--config', file, '--correlation', '0.5', '--rows', '5', '--out', path.join(base, 'g.csv')]), 2, line);
  }
  // keys repeated in different objects, and inside strings, are fine
  const fine = path.join(base, 'fine.json');
  fs.writeFileSync(fine, '{"description": "\\"steps\\": 1, \\"steps\\": 2", "train": {"steps": 20}, "data": {"evalSize": 64}, "sweep": {"runs": 1}}');
  const r = runCli(['--preset', 'smoke', '--config', fine, '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /"steps": 20/);
});

/** The manifest's "tool" given again before it, as a hand edit would: JSON.parse keeps the second. */
function duplicateTool(dir: string): string {
  const file = path.join(dir, 'manifest.json');
  const text = fs.readFileSync(file, 'utf8');
  const edited = text.replace(/^(\s*)"tool": /m, '$1"tool": "something-else",\n$1"tool": ');
  assert.notEqual(edited, text);
  fs.writeFileSync(file, edited);
  return file;
}

test('report, compare and merge refuse an input manifest that gives a key twice, as resume does: one line naming the file and the key, nothing written', () => {
  const line = (file: string) => `${file} is damaged (the key "tool" twice, at tool); allowed: a manifest written by mmoe-sweep`;
  const dir = finishedSweep('dup-report');
  const file = duplicateTool(dir);
  const before = snapshot(dir);
  assertOneLine(runCli(['report', dir]), 2, line(file));
  assertOneLine(runCli(['report', dir, '--check']), 2, line(file));
  assert.equal(snapshot(dir), before, 'report wrote into a folder it refused');

  const good = finishedSweep('dup-compare-base');
  const compareOut = path.join(tmpDir('dup-compare'), 'compare.csv');
  assertOneLine(runCli(['compare', dir, good, '--out', compareOut]), 2, line(file));
  assertOneLine(runCli(['compare', good, dir, '--out', compareOut]), 2, line(file));
  assert.equal(fs.existsSync(compareOut), false);
  assert.equal(snapshot(dir), before);
  // the same folder with the key once is read: the refusal is the duplicate, not the edit's value
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^\s*"tool": "something-else",\n/m, ''));
  assert.equal(runCli(['compare', good, dir, '--out', compareOut]).code, 0);

  const a = finishedSweep('dup-merge1', ['--shard', '1/2']);
  const b = finishedSweep('dup-merge2', ['--shard', '2/2']);
  const shardFile = duplicateTool(b);
  const out = path.join(tmpDir('dup-merge'), 'out');
  assertOneLine(runCli(['merge', a, b, '--out', out]), 2, line(shardFile));
  assert.equal(fs.existsSync(out), false);
});
