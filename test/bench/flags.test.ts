// The benchmarks read their numbers as the CLI does: Number() took "0x10" as 16, "" as 0 and
// " 5" as 5, so a typo timed another configuration (or none) without a word.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { parseArgs } from '../../bench/bench';
import { fractionFlag, intFlag, intListFlag } from '../../bench/flags';
import { UsageError } from '../../src/errors';
import { ROOT } from '../helpers/cli';

const refuses = (f: () => unknown, line: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && line.test(e.message));

test('npm run bench: numeric flags are plain decimal integers >= 1, lists without blanks or spaces', () => {
  const o = parseArgs(['--replicas', '1,8,32', '--jobs', '2', '--target', '1e3', '--repeat', '3', '--torch-steps', '600', '--sweep-runs', '16', '--sweep-steps', '1000,400', '--torch-replicas', '32']);
  assert.deepEqual([o.replicas, o.jobs, o.target, o.repeat, o.torchSteps, o.sweepRuns, o.sweepSteps, o.torchReplicas], [[1, 8, 32], [2], 1000, 3, 600, 16, { fused: 1000, tfjs: 400 }, 32]);
  const bad: [string[], RegExp][] = [
    [['--target', '0x10'], /^--target: got "0x10"; allowed: an integer >= 1, written in plain decimal/],
    [['--repeat', ''], /^--repeat: got ""; allowed: an integer >= 1, written in plain decimal/],
    [['--repeat', ' 5'], /^--repeat: got " 5"/],
    [['--repeat', '0'], /^--repeat: got "0"; allowed: an integer >= 1$/],
    [['--torch-steps', '2.5'], /^--torch-steps: got "2\.5"; allowed: an integer >= 1$/],
    [['--sweep-runs', 'Infinity'], /^--sweep-runs: got "Infinity"/],
    [['--torch-replicas', '1_000'], /^--torch-replicas: got "1_000"/],
    [['--replicas', '8,,32'], /^--replicas: got ""/],
    [['--replicas', '8, 32'], /^--replicas: got " 32"/],
    [['--jobs', '0b10'], /^--jobs: got "0b10"/],
    [['--sweep-steps', '1000'], /^--sweep-steps: got "1000"; allowed: FUSED,TFJS/],
    [['--sweep-steps', '1000,400,5'], /^--sweep-steps: got "1000,400,5"; allowed: FUSED,TFJS/],
    [['--target'], /^--target: got "\(missing\)"/],
    [['--frobnicate'], /^unknown flag: got "--frobnicate"; allowed: --backend/],
  ];
  for (const [argv, line] of bad) refuses(() => parseArgs(argv), line);
});

test('the helpers the other bench scripts use', () => {
  assert.equal(intFlag('--repeat', '5'), 5);
  assert.equal(intFlag('--repeat', '0', 0), 0);
  refuses(() => intFlag('--repeat', '-1', 0), /^--repeat: got "-1"; allowed: an integer >= 0$/);
  refuses(() => intFlag('--repeat', undefined), /^--repeat: got "\(missing\)"/);
  assert.deepEqual(intListFlag('--control-seeds', '0,7,11', 0), [0, 7, 11]);
  refuses(() => intListFlag('--control-seeds', '7,0x7', 0), /^--control-seeds: got "0x7"/);
  assert.equal(fractionFlag('threshold', '.05'), 0.05);
  refuses(() => fractionFlag('threshold', '5%'), /^threshold: got "5%"/);
  refuses(() => fractionFlag('threshold', '1'), /^threshold: got "1"; allowed: a number in \(0, 1\)$/);
});

test('a bench script refuses a bad number with one line and exit 2, before any timing', () => {
  const cases: [string, string[], string][] = [
    ['random.js', ['--repeat', '0x2'], 'random: --repeat: got "0x2"'],
    ['pilot-curves.js', [ROOT, ' 0.05'], 'pilot-curves: threshold: got " 0.05"'],
    ['split.js', ['mmoe', '', '30'], 'split: R: got ""'],
    ['fused-split.js', ['200', 'mmoe', '1,,8'], 'fused-split: R: got ""'],
  ];
  for (const [script, args, line] of cases) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'bench', script), ...args], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 2, `${script}: exit ${r.status}; ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.ok(r.stderr.startsWith(line), r.stderr);
    assert.equal(r.stdout, '', `${script} started timing`);
  }
});
