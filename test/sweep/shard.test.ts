// A sweep split into shards run as separate processes, merged, equals the unsharded sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULTS } from '../../src/config/defaults';
import { allRuns, runId } from '../../src/sweep/plan';
import { parseShardText, shardFromEnv } from '../../src/sweep/shard';
import { UsageError } from '../../src/errors';
import { BIN, ROOT, runCli, snapshot, tmpDir, withoutColumns } from '../helpers/cli';

test('shards partition the runs, each holding ~1/n of every model and correlation', () => {
  const cfg = { ...DEFAULTS, sweep: { ...DEFAULTS.sweep, runs: 10 } };
  const all = allRuns(cfg).map(runId);
  for (const n of [1, 2, 3, 7]) {
    const parts = Array.from({ length: n }, (_, i) => allRuns(cfg, { index: i + 1, count: n }).map(runId));
    assert.deepEqual(parts.flat().sort(), all.slice().sort(), `n=${n} is not a partition`);
    for (const part of parts) {
      for (const m of cfg.sweep.models)
        for (const c of cfg.sweep.correlations) {
          const k = part.filter((id) => id.startsWith(`${m}|${c}|`)).length;
          assert.ok(k === Math.floor(10 / n) || k === Math.ceil(10 / n), `n=${n}: ${k} runs of ${m} at ${c}`);
        }
    }
  }
});

test('a run keeps every model and lr in one shard (they share its data in a run set)', () => {
  const cfg = { ...DEFAULTS, train: { ...DEFAULTS.train, lr: [0.001, 0.003] }, sweep: { ...DEFAULTS.sweep, runs: 10 } };
  for (const n of [2, 3, 7]) {
    const home = new Map<string, number>();
    for (let i = 1; i <= n; i++)
      for (const k of allRuns(cfg, { index: i, count: n })) {
        const key = `${k.correlation}|${k.run}`;
        assert.equal(home.get(key) ?? i, i, `n=${n}: run ${k.run} at ${k.correlation} split over shards`);
        home.set(key, i);
      }
    assert.equal(home.size, cfg.sweep.correlations.length * 10);
  }
});

test('--shard auto reads Kubernetes, Slurm and generic variables', () => {
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '0' }, 4), { index: 1, count: 4 });
  assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: '3', MMOE_SWEEP_SHARD_COUNT: '4' }), { index: 4, count: 4 });
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3', SLURM_ARRAY_TASK_MIN: '1' }), { index: 2, count: 3 });
  assert.deepEqual(shardFromEnv({ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' }), { index: 1, count: 3 });
  assert.deepEqual(shardFromEnv({ MMOE_SWEEP_SHARD_INDEX: '1', MMOE_SWEEP_SHARD_COUNT: '2' }), { index: 2, count: 2 });
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '0' }), UsageError);
  assert.throws(() => shardFromEnv({}), UsageError);
  assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: '4' }, 4), UsageError);
  // out of range: the message names the variables and their values, not a 1-based i/n the user never wrote
  const says = (env: NodeJS.ProcessEnv, want: RegExp) => assert.throws(() => shardFromEnv(env), (e: unknown) => e instanceof UsageError && want.test(e.message), want.source);
  says({ MMOE_SWEEP_SHARD_INDEX: '2', MMOE_SWEEP_SHARD_COUNT: '2' }, /MMOE_SWEEP_SHARD_INDEX=2 is shard 2 \(0-based\) of 2; allowed: 0 to 1$/);
  says({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '2' }, /SLURM_ARRAY_TASK_ID=3 - SLURM_ARRAY_TASK_MIN=4 is shard -1 \(0-based\) of 2; allowed: 0 to 1$/);
  says({ MMOE_SWEEP_SHARD_INDEX: '0', MMOE_SWEEP_SHARD_COUNT: '0' }, /a shard count of 0; allowed: 1 to 10000$/);
  says({ MMOE_SWEEP_SHARD_INDEX: '', MMOE_SWEEP_SHARD_COUNT: '2' }, /is set \(an empty value counts as unset\)/);
  assert.throws(() => parseShardText('0/3'), UsageError);
  assert.throws(() => parseShardText('4/3'), UsageError);
  assert.throws(() => parseShardText('1-3'), UsageError);
});

const ARGS = ['--preset', 'smoke', '--jobs', '1', '--quiet'];
const FILES = ['runs.csv', 'curves.csv', 'gates.csv', 'summary.csv', 'histogram.csv', 'params.csv'];

function runAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

test('3 shards as 3 processes, merged, equal the unsharded sweep (timing aside); merge refuses bad sets', async () => {
  const dir = tmpDir('shards');
  const full = path.join(dir, 'full');
  assert.equal(runCli([...ARGS, '--out', full]).code, 0);
  // shard 2 comes from --shard auto under a Slurm-like environment
  const codes = await Promise.all([
    runAsync([...ARGS, '--shard', '1/3', '--out', path.join(dir, 's1')]),
    runAsync([...ARGS, '--shard', 'auto', '--out', path.join(dir, 's2')], { SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }),
    runAsync([...ARGS, '--shard', '3/3', '--out', path.join(dir, 's3')]),
  ]);
  assert.deepEqual(codes, [0, 0, 0]);
  const shards = ['s1', 's2', 's3'].map((s) => path.join(dir, s));
  const merged = path.join(dir, 'merged');
  const r = runCli(['merge', ...shards.slice().reverse(), '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of FILES) assert.equal(withoutColumns(path.join(merged, f), ['seconds']), withoutColumns(path.join(full, f), ['seconds']), f);
  assert.equal(JSON.parse(fs.readFileSync(path.join(merged, 'manifest.json'), 'utf8')).status, 'complete');

  const before = snapshot(dir);
  const bad: [string[], RegExp][] = [
    [[shards[0], shards[1]], /shard 3\/3 is missing/],
    [[shards[0], shards[0], shards[1], shards[2]], /given twice/],
    [[shards[0], full], /whole sweep/],
    [[shards[0], path.join(dir, 'nowhere')], /no sweep manifest/],
  ];
  for (const [dirs, message] of bad) {
    const b = runCli(['merge', ...dirs, '--out', path.join(dir, 'bad')]);
    assert.equal(b.code, 2, b.stderr);
    assert.match(b.stderr, message);
    assert.equal(b.stderr.trimEnd().split('\n').length, 1);
  }
  // a shard resumed into another shard's folder is refused
  const wrong = runCli([...ARGS, '--shard', '2/3', '--out', shards[0]]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /holds shard 1\/3 of this sweep, not shard 2\/3/);
  assert.equal(snapshot(dir), before, 'a refused merge wrote something');
});
