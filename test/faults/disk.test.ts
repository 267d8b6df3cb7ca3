// Family 1: a disk that fills up. Every write is checked: exit 2 with one line naming the file
// and ENOSPC, the previous file intact, no temporary files, and no finished run lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { withoutColumns } from '../helpers/cli';
import { TINY, TINY_RUNS, assertOneLine, fill, finishedSweep, journalLines, mountSkip, runCli, temps, withTmpfs } from './helpers';

const skip = mountSkip();
const MORE = ['--runs', '6', '--replicas', '1'];

test('generate onto a full disk: exit 2, ENOSPC named, no truncated CSV, no temp file', { skip }, () => {
  withTmpfs(256, (root) => {
    const out = path.join(root, 'pair.csv');
    const r = runCli(['generate', '--correlation', '0.5', '--rows', '2000', '--out', out]);
    assertOneLine(r, 2, /ENOSPC.*pair\.csv|pair\.csv.*ENOSPC/);
    assert.equal(fs.existsSync(out), false, 'a partial pair.csv was left');
    assert.deepEqual(temps(root), []);
  });
});

test('generate --force over an existing file on a full disk: the old file is intact', { skip }, () => {
  withTmpfs(256, (root) => {
    const out = path.join(root, 'pair.csv');
    assert.equal(runCli(['generate', '--correlation', '0.5', '--rows', '50', '--out', out]).code, 0);
    const before = fs.readFileSync(out);
    const r = runCli(['generate', '--correlation', '0.9', '--rows', '2000', '--out', out, '--force']);
    assertOneLine(r, 2, 'ENOSPC');
    assert.deepEqual(fs.readFileSync(out), before);
    assert.deepEqual(temps(root), []);
  });
});

test('correlation --out onto a full disk: exit 2, no file', { skip }, () => {
  withTmpfs(64, (root) => {
    fill(root, 0);
    const out = path.join(root, 'c.csv');
    const r = runCli(['correlation', '--cosine', '0.5', '--trials', '2', '--rows', '100', '--out', out]);
    assertOneLine(r, 2, 'ENOSPC');
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(temps(root), []);
  });
});

test('a sweep into a full folder is refused before training (the probe fails): exit 2, nothing left', { skip }, () => {
  withTmpfs(64, (root) => {
    fill(root, 0);
    const out = path.join(root, 'out');
    const r = runCli([...TINY, '--out', out]);
    assertOneLine(r, 2, 'ENOSPC');
    assert.equal(fs.existsSync(out), false, 'the refused sweep left its folder');
  });
});

test('a disk that fills mid-sweep: exit 2 naming the journal, every journaled run complete, resume finishes identically', { skip }, () => {
  withTmpfs(512, (root) => {
    const out = path.join(root, 'out');
    fill(root, 8); // a page for the manifest, one for a few journal lines: not for all 12 runs
    const r = runCli([...TINY, ...MORE, '--out', out]);
    assertOneLine(r, 2, 'ENOSPC');
    const kept = fs.existsSync(path.join(out, 'journal.jsonl')) ? journalLines(out) : [];
    for (const l of kept) JSON.parse(l); // no line cut short
    assert.ok(kept.length < 3 * TINY_RUNS, `all ${kept.length} runs fitted; the disk did not fill`);
    assert.deepEqual(temps(out), []);
    fs.rmSync(path.join(root, 'filler'));
    const again = runCli([...TINY, ...MORE, '--out', out, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).resumed, kept.length, 'a journaled run was lost');
    const ref = finishedSweep('disk-ref', MORE);
    const strip = (f: string) => withoutColumns(f, ['seconds']); // timing aside
    assert.equal(strip(path.join(out, 'runs.csv')), strip(path.join(ref, 'runs.csv')));
  });
});

test('report onto a full disk: exit 2, the previous report and figures intact, no staging folder left', { skip }, () => {
  withTmpfs(1024, (root) => {
    const out = path.join(root, 'out');
    fs.cpSync(finishedSweep('disk-report'), out, { recursive: true });
    assert.equal(runCli(['report', out]).code, 0);
    const before = fs.readFileSync(path.join(out, 'report.md'));
    const figures = fs.readdirSync(path.join(out, 'figures')).sort();
    fill(root, 8);
    const r = runCli(['report', out, '--metric', 'raw']);
    assertOneLine(r, 2, 'ENOSPC');
    assert.deepEqual(fs.readFileSync(path.join(out, 'report.md')), before);
    assert.deepEqual(fs.readdirSync(path.join(out, 'figures')).sort(), figures);
    assert.deepEqual(temps(out), []);
  });
});

test('merge onto a full disk: exit 2, the shards untouched, no half-merged folder', { skip }, () => {
  const a = finishedSweep('disk-s1', ['--shard', '1/2']);
  const b = finishedSweep('disk-s2', ['--shard', '2/2']);
  const before = [fs.readFileSync(path.join(a, 'journal.jsonl')), fs.readFileSync(path.join(b, 'journal.jsonl'))];
  withTmpfs(64, (root) => {
    fill(root, 8);
    const out = path.join(root, 'merged');
    const r = runCli(['merge', a, b, '--out', out]);
    assertOneLine(r, 2, 'ENOSPC');
    assert.equal(fs.existsSync(out), false, 'a half-merged folder was left');
    assert.deepEqual([fs.readFileSync(path.join(a, 'journal.jsonl')), fs.readFileSync(path.join(b, 'journal.jsonl'))], before);
  });
});
