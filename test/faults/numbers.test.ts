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

test('--shard and the shard environment variables read their numbers as every other flag does: spaces, hex and blanks refused', () => {
  const dry = ['--preset', 'smoke', '--dry-run', '--out', path.join(base, 'shard-dry')];
  const shardForm = /allowed: i\/n with 1 <= i <= n <= 10000 \(e\.g\. 2\/3: plain decimal integers, no spaces\), or auto$/;
  for (const text of [' 1/2 ', '1/2 ', ' 1/2', '1 /2', '1/ 2', '0x1/2', '1/0x2', '/2', '1/', '1/2/3', '1_0/20', '1.5/2', ' auto', 'auto ']) {
    const r = runCli([...dry, '--shard', text]);
    assertOneLine(r, 2, shardForm);
    assert.ok(r.stderr.includes(`--shard: got ${JSON.stringify(text)}`), r.stderr);
  }
  // what the other integer flags take, --shard takes: 1e0 is 1 (as --jobs 1e0)
  for (const [text, shard] of [['1/2', 'shard 1/2'], ['2/2', 'shard 2/2'], ['1e0/2', 'shard 1/2']]) {
    const r = runCli([...dry, '--shard', text]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(shard), r.stdout);
  }
  const env = (vars: Record<string, string>) => runCli([...dry, '--shard', 'auto'], { env: { JOB_COMPLETION_INDEX: '', SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_MIN: '', SLURM_ARRAY_TASK_COUNT: '', MMOE_SWEEP_SHARD_INDEX: '', MMOE_SWEEP_SHARD_COUNT: '', ...vars } });
  const envCases: [Record<string, string>, string, string][] = [
    [{ MMOE_SWEEP_SHARD_INDEX: ' 0', MMOE_SWEEP_SHARD_COUNT: '2' }, 'MMOE_SWEEP_SHARD_INDEX', ' 0'],
    [{ MMOE_SWEEP_SHARD_INDEX: '0', MMOE_SWEEP_SHARD_COUNT: '2\n' }, 'MMOE_SWEEP_SHARD_COUNT', '2\n'],
    [{ JOB_COMPLETION_INDEX: '0x1', MMOE_SWEEP_SHARD_COUNT: '2' }, 'JOB_COMPLETION_INDEX', '0x1'],
    [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: ' 2 ' }, 'SLURM_ARRAY_TASK_COUNT', ' 2 '],
    [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '-1', SLURM_ARRAY_TASK_COUNT: '2' }, 'SLURM_ARRAY_TASK_MIN', '-1'],
  ];
  for (const [vars, name, value] of envCases) {
    assertOneLine(env(vars), 2, `environment variable ${name}: got ${JSON.stringify(value)}; allowed: a non-negative integer in plain decimal, no spaces`);
  }
  const ok = env({ MMOE_SWEEP_SHARD_INDEX: '1', MMOE_SWEEP_SHARD_COUNT: '2' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.ok(ok.stdout.includes('shard 2/2'), ok.stdout);
});
