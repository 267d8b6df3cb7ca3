// Family 7 and the environment part of 8: paths that cannot hold a sweep (/proc, too long,
// dangling or looping links, under a file, read-only, immutable). One line, exit 2, before
// any training, and nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TINY, assertOneLine, finishedSweep, mountSkip, readOnly, runCli, snapshot, temps, tmpDir } from './helpers';

const base = tmpDir('faults-env');
const file = path.join(base, 'a-file');
fs.writeFileSync(file, 'x');
const links = tmpDir('faults-links'); // apart: snapshot() follows links
const dangling = path.join(links, 'dangling');
fs.symlinkSync(path.join(links, 'nowhere', 'deeper'), dangling);
const loop = path.join(links, 'loop');
fs.symlinkSync(loop, loop);

// [what, --out, fragment]
const OUT_CASES: [string, string, string | RegExp][] = [
  ['/proc/x (Node would loop forever in mkdir)', '/proc/x', /--out.*\/proc/],
  ['/proc/self/x', '/proc/self/x', '/proc'],
  ['/sys/x', '/sys/x', '/sys'],
  ['an empty path', '', /--out: got ""/],
  ['a too-long name', path.join(base, 'n'.repeat(300)), 'ENAMETOOLONG'],
  ['a dangling symbolic link', dangling, /symbolic link to nothing/],
  ['a symbolic link loop', loop, 'ELOOP'],
  ['a path under a file', path.join(file, 'sub'), /a-file is a file|ENOTDIR/],
  ['a file', file, 'is a file'],
];

for (const [what, out, fragment] of OUT_CASES) {
  test(`--out ${what}: exit 2, one line, in seconds, nothing written`, () => {
    const before = snapshot(base);
    const t0 = Date.now();
    assertOneLine(runCli([...TINY, '--out', out]), 2, fragment);
    assert.ok(Date.now() - t0 < 60_000, 'took a minute: spinning?');
    assert.equal(snapshot(base), before);
    assert.deepEqual(fs.readdirSync(links).sort(), ['dangling', 'loop']);
  });
}

test('merge --out /proc/x: exit 2, one line', () => {
  const a = finishedSweep('env-merge', ['--shard', '1/1']);
  assertOneLine(runCli(['merge', a, '--out', '/proc/x']), 2, '/proc');
});

test('--config that is a folder: exit 2 naming it', () => {
  assertOneLine(runCli([...TINY, '--config', base, '--out', path.join(base, 'never')]), 2, /--config.*EISDIR/);
});

test('generate into a folder that does not exist: exit 2, one line', () => {
  assertOneLine(runCli(['generate', '--correlation', '0.5', '--rows', '10', '--out', path.join(base, 'missing', 'x.csv')]), 2, /ENOENT|no such/);
  assert.equal(fs.existsSync(path.join(base, 'missing')), false);
});

test('generate onto a folder with --force: exit 2, the folder untouched', () => {
  const dir = tmpDir('env-gen-dir');
  fs.writeFileSync(path.join(dir, 'keep'), 'x');
  assertOneLine(runCli(['generate', '--correlation', '0.5', '--rows', '10', '--out', dir, '--force']), 2, /--out.*regular file/);
  assert.deepEqual(fs.readdirSync(dir), ['keep']);
});

test("generate --out '': exit 2", () => {
  assertOneLine(runCli(['generate', '--correlation', '0.5', '--rows', '10', '--out', '']), 2, /--out: got ""/);
});

test('correlation --out into a missing folder: exit 2, one line', () => {
  assertOneLine(runCli(['correlation', '--cosine', '0.5', '--trials', '2', '--rows', '100', '--out', path.join(base, 'nope', 'c.csv')]), 2, /ENOENT|no such/);
});

test('report on a file, not a folder: exit 2', () => {
  assertOneLine(runCli(['report', file]), 2, 'a-file');
});

const mountReason = mountSkip();

test('a read-only folder (read-only bind mount): a sweep is refused before training, exit 2 EROFS', { skip: mountReason }, () => {
  const dir = tmpDir('env-ro');
  const undo = readOnly(dir);
  try {
    assertOneLine(runCli([...TINY, '--out', path.join(dir, 'out')]), 2, 'EROFS');
    assertOneLine(runCli([...TINY, '--out', dir]), 2, 'EROFS');
  } finally {
    undo();
  }
});

test('report into a read-only sweep folder: exit 2 EROFS, the folder unchanged', { skip: mountReason }, () => {
  const dir = finishedSweep('env-ro-report');
  const before = snapshot(dir);
  const undo = readOnly(dir);
  try {
    assertOneLine(runCli(['report', dir]), 2, 'EROFS');
  } finally {
    undo();
  }
  assert.equal(snapshot(dir), before);
});

test('resume into a read-only sweep folder: exit 2, every finished run still there', { skip: mountReason }, () => {
  const dir = finishedSweep('env-ro-resume');
  const before = snapshot(dir);
  const undo = readOnly(dir);
  try {
    assertOneLine(runCli([...TINY, '--out', dir]), 2, 'EROFS');
  } finally {
    undo();
  }
  assert.equal(snapshot(dir), before);
});

function immutableSkip(): string | false {
  const probe = tmpDir('chattr');
  const r = spawnSync('chattr', ['+i', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `chattr +i is not available here (${(r.stderr || r.error?.message || '').trim().split('\n')[0]})`;
  spawnSync('chattr', ['-i', probe]);
  return false;
}

test('an immutable folder (chattr +i): exit 2 EPERM, one line, nothing left', { skip: immutableSkip() }, () => {
  const dir = tmpDir('env-immutable');
  assert.equal(spawnSync('chattr', ['+i', dir]).status, 0);
  try {
    assertOneLine(runCli([...TINY, '--out', dir]), 2, 'EPERM');
    assertOneLine(runCli(['generate', '--correlation', '0.5', '--rows', '10', '--out', path.join(dir, 'x.csv')]), 2, 'EPERM');
    assert.deepEqual(fs.readdirSync(dir), []);
  } finally {
    spawnSync('chattr', ['-i', dir]);
  }
  assert.deepEqual(temps(dir), []);
});

test('a file the command reads turns out a folder: one line saying a readable file was wanted, not a writable folder', () => {
  // report reads runs.csv and manifest.json; a resumed sweep reads its manifest and journal
  const cases: [string, string[], string][] = [
    ['runs.csv', ['report'], 'runs.csv'],
    ['manifest.json', ['report'], 'manifest.json'],
    ['manifest.json', [...TINY, '--out'], 'manifest.json'],
    ['journal.jsonl', [...TINY, '--out'], 'journal.jsonl'],
  ];
  for (const [name, command, fragment] of cases) {
    const dir = finishedSweep(`env-read-${name}`);
    fs.rmSync(path.join(dir, name));
    fs.mkdirSync(path.join(dir, name));
    const before = snapshot(dir);
    const r = runCli([...command, dir]);
    assertOneLine(r, 2, `cannot read ${JSON.stringify(path.join(dir, fragment))}: EISDIR (is a folder); allowed: a readable file (not a folder, with read permission)`);
    assert.doesNotMatch(r.stderr, /writable/);
    assert.equal(snapshot(dir), before);
  }
});
