// Cases from an adversarial pass over the CLI: each one a deviation that was found and fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { assertOneLine, BIN, finishedSweep, ROOT, runCli, snapshot, tmpDir } from './helpers';

test('--dry-run at the --runs bound (100000) plans in seconds, writes nothing', () => {
  // planning was quadratic in the runs: this took minutes, so the bound was a hang. 600,000
  // runs are planned and the shard keeps its 100,000, the most one sweep or shard may train
  const out = path.join(tmpDir('adv-dry'), 'out');
  const r = spawnSync(process.execPath, [BIN, '--preset', 'smoke', '--runs', '100000', '--shard', '1/6', '--dry-run', '--json', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, `did not finish in 30 s: ${r.error}`);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.ok(Math.abs(plan.runs - (3 * 2 * 100000) / 6) <= 6, `${plan.runs}`); // smoke: 3 models × 2 correlations × 100000 runs, a balanced sixth
  assert.equal(plan.mode, 'new');
  assert.equal(fs.existsSync(out), false);
});

test('compare/report: an empty --junit or --out is refused (it was skipped, exit 0); a bad --junit writes no compare.csv', () => {
  const base = finishedSweep('adv-base');
  const next = finishedSweep('adv-next');
  assertOneLine(runCli(['compare', base, next, '--junit', '']), 2, '--junit ""');
  assertOneLine(runCli(['compare', base, next, '--out', '']), 2, '--out ""');
  assertOneLine(runCli(['report', base, '--junit', '']), 2, '--junit ""');
  const dir = tmpDir('adv-out');
  assertOneLine(runCli(['compare', base, next, '--out', dir]), 2, `--out ${JSON.stringify(dir)}`);
  const before = snapshot(next);
  assertOneLine(runCli(['compare', base, next, '--junit', path.join(dir, 'missing', 'j.xml')]), 2, '--junit');
  assert.deepEqual(snapshot(next), before, 'compare wrote into NEW before refusing --junit');
});

test('a sweep of more than 2,000,000 runs in all is refused (each axis was bounded, their product was not: a V8 out-of-memory abort)', () => {
  const values = (from: number) => Array.from({ length: 100 }, (_, i) => from + i).join(',');
  const out = path.join(tmpDir('adv-big'), 'out');
  const args = ['--preset', 'smoke', '--set', `model.experts=${values(1)}`, '--set', `data.dim=${values(2)}`, '--runs', '100000', '--out', out];
  assertOneLine(runCli([...args, '--dry-run']), 2, '= 6000000000 runs');
  assertOneLine(runCli(args), 2, 'at most 2000000 runs');
  assert.equal(fs.existsSync(out), false);
});

test('compare with a file for BASE or NEW names that folder (it said "NEW/compare.csv cannot be written (ENOTDIR)")', () => {
  const sweep = finishedSweep('adv-file');
  const file = path.join(tmpDir('adv-file'), 'notes.txt');
  fs.writeFileSync(file, 'x');
  assertOneLine(runCli(['compare', sweep, file]), 2, `compare: NEW: got ${JSON.stringify(file)}; allowed: an existing sweep folder`);
  assertOneLine(runCli(['compare', file, sweep]), 2, `compare: BASE: got ${JSON.stringify(file)}; allowed: an existing sweep folder`);
  assert.equal(fs.readFileSync(file, 'utf8'), 'x');
});
