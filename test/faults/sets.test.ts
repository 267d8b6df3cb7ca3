// Family 10: interrupts while a set of files is written (report), default folder names that
// race, a crash on a TTY, and no temporary files after failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, TINY, assertOneLine, fill, finishedSweep, mountSkip, runCli, startCli, temps, tmpDir, tmpfs, until } from './helpers';

const stageIn = (dir: string) => fs.readdirSync(dir).some((n) => n.startsWith('.mmoe-tmp-') && n.endsWith('-stage'));
const reportSet = (dir: string) => ({
  report: fs.readFileSync(path.join(dir, 'report.md'), 'utf8'),
  claims: fs.readFileSync(path.join(dir, 'claims.csv'), 'utf8'),
  figures: fs.readdirSync(path.join(dir, 'figures')).sort(),
});

test('SIGINT once during report: it finishes the new set, then exits 130; no staging folder left', async () => {
  const dir = finishedSweep('sets-once');
  assert.equal(runCli(['report', dir]).code, 0);
  const old = reportSet(dir);
  const run = startCli(['report', dir, '--metric', 'raw']);
  await until(() => stageIn(dir));
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  const now = reportSet(dir);
  assert.notEqual(now.report, old.report, 'the new (raw) report was not written');
  assert.match(now.report, /raw/);
  assert.deepEqual(now.figures, old.figures);
  assert.deepEqual(temps(dir), []);
  assert.equal(fs.existsSync(path.join(dir, '.mmoe-sweep.lock')), false);
});

test('SIGINT twice during report: exit 130 at once, the old set intact; no staging folder left', async () => {
  const dir = finishedSweep('sets-twice');
  assert.equal(runCli(['report', dir]).code, 0);
  const old = reportSet(dir);
  const run = startCli(['report', dir, '--metric', 'raw']);
  await until(() => stageIn(dir));
  run.child.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 50));
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, r.stderr);
  const now = reportSet(dir);
  // either the second signal came in time (old set) or the set was already complete (new): never a mix
  if (now.report === old.report) assert.deepEqual(now, old);
  else assert.equal(now.claims === old.claims, false, 'report.md is new but claims.csv is old');
  assert.deepEqual(temps(dir), []);
  assert.equal(fs.existsSync(path.join(dir, '.mmoe-sweep.lock')), false);
});

test('two sweeps started in the same second without --out: two folders, both complete', async () => {
  const cwd = tmpDir('sets-default');
  const args = TINY.filter((a) => a !== '--quiet').concat('--quiet');
  const [a, b] = [startCli(args, { cwd }), startCli(args, { cwd })];
  const rs = await Promise.all([a.done, b.done]);
  for (const r of rs) assert.equal(r.code, 0, r.stderr);
  const made = fs.readdirSync(path.join(cwd, 'results'));
  assert.equal(made.length, 2, `folders: ${made}`);
  for (const m of made) assert.equal(JSON.parse(fs.readFileSync(path.join(cwd, 'results', m, 'manifest.json'), 'utf8')).status, 'complete');
});

function ttySkip(): string | false {
  const r = spawnSync('script', ['-qec', 'true', '/dev/null'], { encoding: 'utf8' });
  return r.status === 0 ? mountSkip() : 'script(1) is not available to give the CLI a TTY';
}

test('a sweep that fails mid-way on a TTY (its disk fills) shows the cursor again', { skip: ttySkip() }, () => {
  const fsys = tmpfs(512);
  try {
    fill(fsys.dir, 8);
    const cmd = [process.execPath, BIN, ...TINY.filter((a) => a !== '--quiet'), '--runs', '6', '--replicas', '1', '--out', path.join(fsys.dir, 'out')].map((a) => JSON.stringify(a)).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 2, r.stdout);
    assert.match(r.stdout, /ENOSPC/);
    const hide = r.stdout.lastIndexOf('\x1b[?25l');
    const show = r.stdout.lastIndexOf('\x1b[?25h');
    assert.ok(hide >= 0, 'the progress bar never hid the cursor: nothing tested');
    assert.ok(show > hide, 'cursor left hidden');
  } finally {
    fsys.unmount();
  }
});

test('a sweep stopped by a full journal leaves no temporary file (checked on every failure above); a refused report leaves none', () => {
  const dir = finishedSweep('sets-temps');
  fs.writeFileSync(path.join(dir, 'runs.csv'), 'garbage\n');
  assertOneLine(runCli(['report', dir]), 2, 'runs.csv');
  assert.deepEqual(temps(dir), []);
  assert.equal(fs.existsSync(path.join(dir, 'report.md')), false);
});
