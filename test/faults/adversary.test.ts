// Cases from an adversarial pass over the CLI: each one a deviation that was found and fixed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { BIN, ROOT, tmpDir } from './helpers';

test('--dry-run at the --runs bound (100000) plans in seconds, writes nothing', () => {
  // planning was quadratic in the runs: this took minutes, so the bound was a hang
  const out = path.join(tmpDir('adv-dry'), 'out');
  const r = spawnSync(process.execPath, [BIN, '--preset', 'smoke', '--runs', '100000', '--dry-run', '--json', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.error, undefined, `did not finish in 30 s: ${r.error}`);
  assert.equal(r.status, 0, r.stderr);
  const plan = JSON.parse(r.stdout);
  assert.equal(plan.runs, 3 * 2 * 100000); // smoke: 3 models × 2 correlations × 100000 runs
  assert.equal(plan.mode, 'new');
  assert.equal(fs.existsSync(out), false);
});
