// Numbers on the command line are plain decimal in every command: "0x10", "Infinity", " 5",
// "1_000" were read by Number() as numbers, so a typo ran another study. Through the real
// executable: exit 2, one line naming the flag and the text, nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { assertOneLine, finishedSweep, runCli, snapshot, tmpDir } from './helpers';

const base = tmpDir('faults-numbers');

// [what, args after the command, the line must match]
const SWEEP: [string, string[], RegExp][] = [
  ['--lr 0x10', ['--lr', '0x10'], /^mmoe-sweep: --lr: got "0x10"; allowed: .*plain decimal/],
  ['--lr Infinity', ['--lr', 'Infinity'], /--lr: got "Infinity".*plain decimal/],
  ['--correlation 0b1', ['--correlation', '0b1'], /--correlation: got "0b1".*plain decimal/],
  ['--correlation ".5."', ['--correlation', '.5.'], /--correlation: got "\.5\.".*plain decimal/],
  ['--runs 1_000', ['--runs', '1_000'], /--runs: got "1_000".*an integer.*plain decimal/],
  ['--runs 1.5', ['--runs', '1.5'], /--runs: got 1\.5; allowed: an integer in \[1, 100000\]$/],
  ['--steps " 5"', ['--steps', ' 5'], /--steps: got " 5".*plain decimal/],
  ['--seed 1e', ['--seed', '1e'], /--seed: got "1e".*plain decimal/],
  ['--seed 0.5', ['--seed', '0.5'], /--seed: got 0\.5; allowed: an integer/],
  ['--eval-every ""', ['--eval-every', ''], /--eval-every: got "".*plain decimal/],
  ['--jobs 0x2', ['--jobs', '0x2'], /--jobs: got "0x2"; allowed: an integer >= 1, written in plain decimal/],
  ['--jobs 1.5', ['--jobs', '1.5'], /--jobs: got "1\.5"; allowed: an integer >= 1$/],
  ['--replicas 0o10', ['--replicas', '0o10'], /--replicas: got "0o10".*plain decimal/],
  ['--shard-count 2.5', ['--shard', 'auto', '--shard-count', '2.5'], /--shard-count: got "2\.5"; allowed: an integer >= 1$/],
  ['--set model.experts=0x4', ['--set', 'model.experts=0x4'], /--set model\.experts: got "0x4"; allowed: an integer in \[1, 1024\], written in plain decimal/],
  ['--set data.noiseStd=0.1,', ['--set', 'data.noiseStd=0.1,'], /--set data\.noiseStd: got "".*plain decimal/],
  ['--set model.experts=2.5', ['--set', 'model.experts=2.5'], /--set model\.experts: got 2\.5; allowed: an integer/],
  ['--label-correlation 0x0', ['--label-correlation', '0x0'], /--label-correlation: got "0x0".*plain decimal/],
];

for (const [what, args, line] of SWEEP) {
  test(`sweep ${what} → exit 2, one line naming it, nothing written`, () => {
    const out = path.join(base, `sweep-${SWEEP.findIndex((c) => c[0] === what)}`);
    const r = runCli(['--preset', 'smoke', ...args, '--out', out, '--quiet']);
    assertOneLine(r, 2, line);
    assert.equal(fs.existsSync(out), false);
  });
}

test('the other commands: generate, correlation, report, compare refuse non-decimal numbers alike', () => {
  const dir = finishedSweep('numbers');
  const before = snapshot(dir);
  const file = path.join(base, 'never.csv');
  const cases: [string[], RegExp][] = [
    [['generate', '--correlation', '0x1', '--rows', '10', '--out', file], /--correlation: got "0x1".*plain decimal/],
    [['generate', '--correlation', '0.5', '--rows', '1e1.5', '--out', file], /--rows: got "1e1\.5".*plain decimal/],
    [['generate', '--correlation', '0.5', '--rows', '10', '--seed', '0x1', '--out', file], /--seed: got "0x1".*plain decimal/],
    [['correlation', '--cosine', '0.5,Infinity', '--out', file], /--cosine: got "Infinity".*plain decimal/],
    [['correlation', '--trials', ' 3', '--out', file], /--trials: got " 3".*plain decimal/],
    [['report', dir, '--alpha', '0x0'], /--alpha: got "0x0"; allowed: a number in \(0, 1\), written in plain decimal/],
    [['report', dir, '--margin', ''], /--margin: got "".*plain decimal/],
    [['compare', dir, dir, '--tolerance', '.1.', '--out', file], /--tolerance: got "\.1\.".*plain decimal/],
    [['compare', dir, dir, '--alpha', '5e-2 ', '--out', file], /--alpha: got "5e-2 ".*plain decimal/],
  ];
  for (const [args, line] of cases) assertOneLine(runCli(args), 2, line);
  assert.equal(fs.existsSync(file), false);
  assert.equal(snapshot(dir), before, 'report and compare wrote nothing into the sweep');
  // decimal spellings that were and stay accepted
  const ok = runCli(['compare', dir, dir, '--tolerance', '.05', '--alpha', '5e-2', '--out', path.join(base, 'ok.csv')]);
  assert.equal(ok.code, 0, ok.stderr);
});
