// A study that ran over several sessions (interrupted and resumed, or extended) records the time
// of all of them in manifest.json, not the last one's alone; a merge sums its shards'. Folders
// written before sessions were kept (results/*) still read and resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawn } from 'child_process';
import { BIN, ROOT, runCli, tmpDir } from '../helpers/cli';
import { earlierSessions, mergedTiming, timingOf } from '../../src/sweep/timing';

// 2 models × 1 correlation × 1 lr (smoke) × RUNS runs of STEPS steps
const STEPS = 20;
const TINY = ['--preset', 'smoke', '--models', 'shared-bottom,mmoe', '--correlation', '0.5', '--steps', String(STEPS), '--jobs', '1', '--quiet'];
const manifestOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));

function sweep(out: string, runs: number, extra: string[] = []) {
  const r = runCli([...TINY, '--runs', String(runs), '--out', out, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return manifestOf(out);
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('a sweep extended in a second session: seconds and model-steps over both sessions, each session kept', () => {
  const out = path.join(tmpDir('timing-extend'), 'out');
  const first = sweep(out, 1);
  assert.equal(first.sessions, 1);
  assert.equal(first.sessionLog.length, 1);
  assert.deepEqual({ runs: first.sessionLog[0].runs, modelSteps: first.sessionLog[0].modelSteps }, { runs: 2, modelSteps: 2 * STEPS });
  assert.equal(first.modelSteps, 2 * STEPS);
  assert.equal(first.seconds, first.sessionLog[0].seconds);
  assert.equal(first.started, first.sessionLog[0].started);

  const second = sweep(out, 3); // 4 new runs: 2 models × runs 1 and 2
  assert.equal(second.status, 'complete');
  assert.equal(second.sessions, 2);
  assert.deepEqual(second.sessionLog[0], first.sessionLog[0], 'the first session is kept as it was');
  assert.deepEqual({ runs: second.sessionLog[1].runs, modelSteps: second.sessionLog[1].modelSteps }, { runs: 4, modelSteps: 4 * STEPS });
  assert.ok(second.sessionLog[1].started > first.sessionLog[0].started);
  assert.ok(second.sessionLog[1].seconds > 0);
  assert.ok(Math.abs(second.seconds - sum(second.sessionLog.map((s: { seconds: number }) => s.seconds))) < 0.002, 'seconds is the sum of the sessions');
  assert.ok(second.seconds > second.sessionLog[1].seconds, 'not the last session alone');
  assert.equal(second.started, first.started, 'started is the first session\'s start');
  assert.equal(second.modelSteps, 6 * STEPS);
  assert.ok(Math.abs(second.modelStepsPerSecond - (6 * STEPS) / second.seconds) <= 0.05 + 1e-9, 'the rate over the whole study');

  // a third invocation with nothing left to train is a session too (it rewrote the tables), training nothing
  const third = sweep(out, 3);
  assert.equal(third.sessions, 3);
  assert.deepEqual(third.sessionLog.slice(0, 2), second.sessionLog);
  assert.deepEqual({ runs: third.sessionLog[2].runs, modelSteps: third.sessionLog[2].modelSteps }, { runs: 0, modelSteps: 0 });
  assert.equal(third.modelSteps, 6 * STEPS);

  // --force starts the folder's record over: the replaced sweep's sessions are not this one's
  const forced = sweep(out, 1, ['--force']);
  assert.equal(forced.sessions, 1);
  assert.equal(forced.modelSteps, 2 * STEPS);
});

test('a session killed without a word (SIGKILL) keeps the time and runs of its last finished group', async () => {
  const out = path.join(tmpDir('timing-kill'), 'out');
  // one run per group, long enough that the kill lands mid-sweep
  const args = [...TINY, '--steps', '300', '--runs', '4', '--replicas', '1', '--out', out];
  const lines = () => (fs.existsSync(path.join(out, 'journal.jsonl')) ? fs.readFileSync(path.join(out, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: 'ignore' });
    const poll = setInterval(() => lines() >= 2 && child.kill('SIGKILL'), 20);
    child.on('error', reject);
    child.on('exit', () => (clearInterval(poll), resolve()));
  });
  const kept = lines();
  assert.ok(kept >= 2 && kept < 8, `kept ${kept} of 8 runs`);
  const killed = manifestOf(out);
  assert.equal(killed.status, 'running');
  // the manifest is written after each group's journal lines: the kill may fall between the two
  assert.ok(killed.sessionLog[0].runs >= kept - 1 && killed.sessionLog[0].runs <= kept, `${killed.sessionLog[0].runs} runs recorded, ${kept} journaled`);
  assert.ok(killed.sessionLog[0].seconds > 0);
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  const m = manifestOf(out);
  assert.equal(m.sessions, 2);
  assert.deepEqual(m.sessionLog[0], killed.sessionLog[0], 'the killed session as its last write left it');
  assert.equal(m.sessionLog[1].runs, 8 - kept);
  assert.equal(m.modelSteps, 8 * 300);
});

test('resuming a folder written before sessions were kept: its recorded time is one earlier session, its runs unknown', () => {
  const out = path.join(tmpDir('timing-legacy'), 'out');
  const m = sweep(out, 1);
  // the manifest as this tool wrote it before: started and seconds of the last session only
  for (const k of ['sessions', 'sessionLog', 'modelSteps', 'modelStepsPerSecond']) delete m[k];
  m.seconds = 1234.5;
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
  const r = runCli(['report', out]);
  assert.equal(r.code, 0, r.stderr);
  const next = sweep(out, 2);
  assert.equal(next.sessions, 2);
  assert.deepEqual(next.sessionLog[0], { started: m.started, seconds: 1234.5, runs: null, modelSteps: null });
  assert.ok(next.seconds > 1234.5 && Math.abs(next.seconds - 1234.5 - next.sessionLog[1].seconds) < 0.002);
  assert.equal(next.modelSteps, 4 * STEPS, 'the steps of every run the folder holds, the earlier ones included');
});

test('merge: the shards\' sessions together, seconds summed over them, not the first shard\'s', () => {
  const base = tmpDir('timing-merge');
  const a = sweep(path.join(base, 'a'), 2, ['--shard', '1/2']);
  const b = sweep(path.join(base, 'b'), 2, ['--shard', '2/2']);
  const out = path.join(base, 'merged');
  const r = runCli(['merge', path.join(base, 'a'), path.join(base, 'b'), '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const m = manifestOf(out);
  assert.equal(m.sessions, 2);
  assert.ok(Math.abs(m.seconds - (a.seconds + b.seconds)) < 0.002);
  assert.equal(m.modelSteps, a.modelSteps + b.modelSteps);
  assert.equal(m.modelSteps, 4 * STEPS);
  assert.equal(m.started, a.started < b.started ? a.started : b.started);
  assert.deepEqual(m.mergedFrom.map((s: { seconds: number; sessions: number }) => [s.seconds, s.sessions]), [[a.seconds, 1], [b.seconds, 1]]);
});

test('timingOf / earlierSessions: totals from the sessions; a damaged or absent record is no session', () => {
  const s1 = { started: '2026-01-01T00:00:00.000Z', seconds: 100, runs: 10, modelSteps: 1000 };
  const s2 = { started: '2026-01-02T00:00:00.000Z', seconds: 300, runs: 30, modelSteps: 3000 };
  const t = timingOf([s1, s2], 4000);
  assert.deepEqual(t, { started: s1.started, seconds: 400, sessions: 2, sessionLog: [s1, s2], modelSteps: 4000, modelStepsPerSecond: 10 });
  assert.deepEqual(earlierSessions(null), []);
  assert.deepEqual(earlierSessions({ sessionLog: [s1, { started: 'x', seconds: -1 }, null, s2] }), [s1, s2]);
  assert.deepEqual(earlierSessions({ started: s1.started, seconds: 'soon' }), []);
  assert.deepEqual(earlierSessions({ started: s1.started, seconds: 7 }), [{ started: s1.started, seconds: 7, runs: null, modelSteps: null }]);
  // shards in any order: sessions by start; a shard without any record adds none
  const m = mergedTiming([{ sessionLog: [s2] }, { sessionLog: [s1] }, {}], 4000);
  assert.deepEqual(m.sessionLog, [s1, s2]);
  assert.equal(m.started, s1.started);
  assert.equal(timingOf([], 0).modelStepsPerSecond, 0);
});

test('every committed study folder (written before sessions were kept) still has the fields the legacy reading takes', () => {
  const results = path.join(ROOT, 'results');
  const dirs = fs.readdirSync(results).filter((d) => fs.existsSync(path.join(results, d, 'manifest.json')));
  assert.ok(dirs.length > 0);
  for (const d of dirs) {
    const m = manifestOf(path.join(results, d));
    const earlier = earlierSessions(m);
    if (m.mergedFrom) continue; // a merge records its shards in mergedFrom
    assert.equal(earlier.length, Array.isArray(m.sessionLog) ? m.sessionLog.length : 1, d);
  }
});
