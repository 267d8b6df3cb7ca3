// Family 2: one writer per sweep folder. A second sweep, a --force, a report or a merge into a
// folder a running sweep holds gets one line and exit 2, and the running sweep loses nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TINY, TINY_RUNS, assertOneLine, finishedSweep, journalLines, runCli, startCli, temps, tmpDir, until } from './helpers';

const LOCK = '.mmoe-sweep.lock';
// long enough per run that the second writer arrives while the first trains (tfjs: the fused engine finishes too soon)
const SLOW = [...TINY, '--steps', '200', '--replicas', '1', '--engine', 'tfjs'];

/** Starts a slow sweep and resolves once it holds the folder's lock. */
async function holder(out: string) {
  const run = startCli([...SLOW, '--out', out]);
  await until(() => fs.existsSync(path.join(out, LOCK)));
  return run;
}

function assertComplete(out: string, runs = TINY_RUNS) {
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(m.status, 'complete');
  const ids = journalLines(out).map((l) => {
    const r = JSON.parse(l);
    return `${r.model}|${r.correlation}|${r.lr}|${r.result.run}`;
  });
  assert.equal(ids.length, runs, 'journal lines');
  assert.equal(new Set(ids).size, runs, 'a run journaled twice');
  assert.equal(fs.existsSync(path.join(out, LOCK)), false, 'lock left behind');
  assert.deepEqual(temps(out), []);
}

test('a second sweep into a folder a running sweep holds: exit 2 naming the holder; the first finishes intact', async () => {
  const out = path.join(tmpDir('lock-second'), 'out');
  const first = await holder(out);
  const r = runCli([...SLOW, '--out', out]);
  assertOneLine(r, 2, /in use by another mmoe-sweep sweep \(pid \d+/);
  const done = await first.done;
  assert.equal(done.code, 0, done.stderr);
  assertComplete(out);
});

test('--force into a folder a running sweep holds is refused too: its journal keeps every line', async () => {
  const out = path.join(tmpDir('lock-force'), 'out');
  const first = await holder(out);
  const r = runCli([...SLOW, '--steps', '30', '--force', '--out', out]);
  assertOneLine(r, 2, 'in use');
  const done = await first.done;
  assert.equal(done.code, 0, done.stderr);
  assertComplete(out);
});

test('report into a folder a running sweep holds: exit 2, no report written', async () => {
  const out = path.join(tmpDir('lock-report'), 'out');
  const first = await holder(out);
  await until(() => fs.existsSync(path.join(out, 'manifest.json')));
  const r = runCli(['report', out]);
  assertOneLine(r, 2, 'in use');
  assert.equal(fs.existsSync(path.join(out, 'report.md')), false);
  assert.equal((await first.done).code, 0);
  assertComplete(out);
});

test('merge --out into a folder a running sweep holds: exit 2, the sweep finishes intact', async () => {
  const a = finishedSweep('lock-s1', ['--shard', '1/2']);
  const b = finishedSweep('lock-s2', ['--shard', '2/2']);
  const out = path.join(tmpDir('lock-merge'), 'out');
  const first = await holder(out);
  const r = runCli(['merge', a, b, '--out', out, '--force']);
  assertOneLine(r, 2, 'in use');
  assert.equal((await first.done).code, 0);
  assertComplete(out);
});

test('two sweeps started together on one --out: one trains, the other is refused or resumes; no run twice', async () => {
  const out = path.join(tmpDir('lock-race'), 'out');
  const [a, b] = [startCli([...TINY, '--out', out]), startCli([...TINY, '--out', out])];
  const results = await Promise.all([a.done, b.done]);
  const codes = results.map((r) => r.code).sort();
  assert.ok(codes[0] === 0 && (codes[1] === 0 || codes[1] === 2), `exit codes ${codes}`);
  for (const r of results) if (r.code === 2) assertOneLine(r, 2, 'in use');
  assertComplete(out);
});

test('a stale lock from a dead process on this host is taken over: the sweep runs, exit 0', () => {
  const out = path.join(tmpDir('lock-stale'), 'out');
  fs.mkdirSync(out);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(path.join(out, LOCK), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), started: '2026-01-01T00:00:00.000Z', command: 'sweep' }) + '\n');
  fs.writeFileSync(path.join(out, `.mmoe-tmp-${dead.stdout}-1-runs.csv`), 'half a file'); // its leftover temp file
  const r = runCli([...TINY, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assertComplete(out);
});

test("another host's lock is respected: exit 2 naming the host, the lock file untouched", () => {
  const out = path.join(tmpDir('lock-host'), 'out');
  fs.mkdirSync(out);
  const text = JSON.stringify({ pid: 1, host: 'elsewhere.example', started: '2026-01-01T00:00:00.000Z', command: 'sweep' }) + '\n';
  fs.writeFileSync(path.join(out, LOCK), text);
  const r = runCli([...TINY, '--out', out]);
  assertOneLine(r, 2, 'elsewhere.example');
  assert.equal(fs.readFileSync(path.join(out, LOCK), 'utf8'), text);
  assert.deepEqual(fs.readdirSync(out), [LOCK]);
});

test('a lock file that is not ours (not JSON): exit 2, nothing touched', () => {
  const out = path.join(tmpDir('lock-junk'), 'out');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, LOCK), 'garbage');
  assertOneLine(runCli([...TINY, '--out', out]), 2, 'locked');
  assert.deepEqual(fs.readdirSync(out), [LOCK]);
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  test(`${signal} mid-sweep: exit ${code}, lock released, manifest interrupted with CSVs, resume completes`, async () => {
    const out = path.join(tmpDir(`lock-${signal}`), 'out');
    const run = startCli([...SLOW, '--out', out]);
    await until(() => fs.existsSync(path.join(out, 'journal.jsonl')) && journalLines(out).length >= 1);
    run.child.kill(signal);
    const r = await run.done;
    assert.equal(r.code, code, r.stderr);
    assert.equal(fs.existsSync(path.join(out, LOCK)), false, 'lock left behind');
    const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(m.status, 'interrupted');
    assert.ok(fs.existsSync(path.join(out, 'runs.csv')));
    const kept = journalLines(out).length;
    const again = runCli([...SLOW, '--out', out, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).resumed, kept);
    assertComplete(out);
  });
}
