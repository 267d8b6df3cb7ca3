// Never lose a run: kill a real sweep (SIGINT, SIGTERM, SIGKILL), resume it, and compare with an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, tmpDir, withoutColumns } from '../helpers/cli';
import { journalLines, startAndKill } from './kill';

// long enough per run that a kill lands mid-sweep; 12 runs
const ARGS = ['--preset', 'smoke', '--steps', '300', '--jobs', '2', '--quiet'];
const FILES = ['runs.csv', 'curves.csv', 'gates.csv', 'summary.csv', 'histogram.csv', 'params.csv'];

const reference = path.join(tmpDir('reference'), 'out');
test('uninterrupted reference sweep', () => {
  assert.equal(runCli([...ARGS, '--out', reference]).code, 0);
});

function assertSameAsReference(out: string) {
  for (const f of FILES) assert.equal(withoutColumns(path.join(out, f), ['seconds']), withoutColumns(path.join(reference, f), ['seconds']), `${f} differs after resume`);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal}: finished runs kept, manifest written, exit ${code}, resume completes identically`, async () => {
    const out = path.join(tmpDir(signal), 'out');
    const r = await startAndKill(ARGS, out, signal);
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, /resume with: npx mmoe-sweep .*--out/);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.status, 'interrupted');
    const kept = journalLines(out);
    assert.ok(kept >= 1 && kept < 12, `kept ${kept}`);
    assert.equal(manifest.runsDone, kept);
    // the partial tables hold exactly the finished runs (2 tasks each)
    assert.equal(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8').trimEnd().split('\n').length - 1, 2 * kept);
    const resumed = runCli([...ARGS, '--out', out, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse(resumed.stdout).resumed, kept);
    assertSameAsReference(out);
  });
}

test('SIGKILL mid-sweep and a journal line cut short: detected, repaired, resumed identically', async () => {
  const out = path.join(tmpDir('sigkill'), 'out');
  const r = await startAndKill(ARGS, out, 'SIGKILL');
  assert.equal(r.signal, 'SIGKILL');
  const kept = journalLines(out);
  // a crash in the middle of writing the next record
  fs.appendFileSync(path.join(out, 'journal.jsonl'), '{"model":"mmoe","correlation":0.5,"lr":0.001,"result":{"run":1,"se');
  const resumed = runCli([...ARGS, '--out', out, '--json']);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /cut short/);
  assert.equal(JSON.parse(resumed.stdout).resumed, kept);
  assertSameAsReference(out);
  const lines = fs.readFileSync(path.join(out, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);
  assert.equal(lines.length, 12);
  for (const l of lines) JSON.parse(l);
});

test('a worker that crashes is reported and its runs retried once: same results', () => {
  const out = path.join(tmpDir('crash'), 'out');
  const marker = path.join(path.dirname(out), 'crashed');
  const r = runCli([...ARGS.filter((a) => a !== '--quiet'), '--out', out], { env: { MMOE_SWEEP_CRASH_ONCE: marker } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(marker), 'the injected crash did not happen');
  assert.match(r.stderr, /worker crashed .*retrying/);
  assertSameAsReference(out);
});

test('a run whose loss becomes non-finite is recorded as diverged and the sweep goes on', () => {
  const dir = tmpDir('diverge');
  const cfg = path.join(dir, 'huge.json');
  // c = 1e20: labels overflow float32 squares, so the loss is infinite from the first step
  fs.writeFileSync(cfg, JSON.stringify({ data: { scale: 1e20 } }));
  const out = path.join(dir, 'out');
  const r = runCli(['--preset', 'smoke', '--config', cfg, '--models', 'mmoe', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = fs.readFileSync(path.join(out, 'runs.csv'), 'utf8').trimEnd().split('\n').slice(1);
  assert.equal(rows.length, 2 * 2 * 2);
  for (const row of rows) assert.match(row, /,diverged,/);
  const summary = JSON.parse(r.stdout);
  for (const t of summary.table) assert.equal(t.diverged, 2);
});
