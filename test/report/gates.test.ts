// The gate table and Figure 6 on a real sweep of mmoe, cgc and ple at sizes other than the
// defaults: a task's gate mixes `experts` experts in mmoe but own + shared in cgc and ple, and
// the report's widths and uniform references, read off gates.csv, must match the config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readTable, runCli, tmpDir } from '../helpers/cli';

const base = tmpDir('gates');
const model = { experts: 5, cgcTaskExperts: 1, cgcSharedExperts: 3, pleTaskExperts: 2, pleSharedExperts: 1, pleLevels: 2 };
/** A task gate's width, from the config (what the architectures' softmaxes are over). */
const WIDTH: Record<string, number> = { mmoe: model.experts, cgc: model.cgcTaskExperts + model.cgcSharedExperts, ple: model.pleTaskExperts + model.pleSharedExperts };
const config = path.join(base, 'sizes.json');
fs.writeFileSync(config, JSON.stringify({ model }));
const dir = path.join(base, 'sweep');
const made = runCli(['--preset', 'smoke', '--config', config, '--models', 'mmoe,cgc,ple', '--correlation', '0.5,1', '--out', dir, '--quiet']);
const reported = made.code === 0 ? runCli(['report', dir]) : made;

/** report.md's gate table as { model, correlation, width, task1, task2 } (means of the "mean ± std" cells). */
function gateTable(md: string) {
  const section = md.split('## Gates')[1];
  assert.ok(section, 'report.md has a gate table');
  const lines = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| model'));
  return lines.map((l) => {
    const c = l.split('|').slice(1, -1).map((x) => x.trim());
    return { model: c[0], correlation: Number(c[1]), width: c[3], task1: parseFloat(c[4]), task2: parseFloat(c[5]) };
  });
}

test('gate table: experts per gate is own + shared for cgc and ple, experts for mmoe; effective experts never above it', () => {
  assert.equal(made.code, 0, made.stderr);
  assert.equal(reported.code, 0, reported.stderr);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  const rows = gateTable(md);
  assert.deepEqual(rows.map((r) => `${r.model} ${r.correlation}`), ['mmoe 1', 'mmoe 0.5', 'cgc 1', 'cgc 0.5', 'ple 1', 'ple 0.5']);
  for (const r of rows) {
    assert.equal(r.width, String(WIDTH[r.model]), r.model);
    // exp(entropy) of a distribution over n experts lies in [1, n]; after 40 steps the gates are near uniform
    for (const e of [r.task1, r.task2]) assert.ok(e >= 1 && e <= WIDTH[r.model] + 1e-9 && e > WIDTH[r.model] - 1, `${r.model} at ${r.correlation}: ${e} effective of ${WIDTH[r.model]}`);
  }
  const note = md.split('## Gates')[1];
  assert.ok(note.includes('(5 for mmoe; 4 for cgc; 3 for ple)'), note);
  assert.ok(!/uniform over 8|= uniform over/.test(note), 'no fixed uniform reference');
});

test('Figure 6: ranks up to each task gate\'s width, uniform = 1/width, and each task\'s mean weights sum to 1', () => {
  assert.equal(reported.code, 0, reported.stderr);
  const t = readTable(path.join(dir, 'figures', 'fig6-gates.csv'));
  const col = (name: string) => t.header.indexOf(name);
  const by = new Map<string, { ranks: number[]; sum: number; uniform: Set<number> }>();
  for (const r of t.rows) {
    const key = `${r[col('model')]}|${r[col('correlation')]}|${r[col('task')]}`;
    if (!by.has(key)) by.set(key, { ranks: [], sum: 0, uniform: new Set() });
    const e = by.get(key)!;
    e.ranks.push(Number(r[col('expert_rank')]));
    e.sum += Number(r[col('weight')]);
    e.uniform.add(Number(r[col('uniform')]));
  }
  assert.equal(by.size, 3 * 2 * 2, 'every model, correlation and task');
  for (const [key, e] of by) {
    const width = WIDTH[key.split('|')[0]];
    assert.deepEqual(e.ranks, Array.from({ length: width }, (_, i) => i + 1), key);
    assert.deepEqual([...e.uniform], [1 / width], key);
    // each run's gate sums to 1 over the experts it reaches, so the mean over runs at every rank does too
    assert.ok(Math.abs(e.sum - 1) < 1e-5, `${key}: ${e.sum}`);
  }
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'figures', 'fig6-gates.vl.json'), 'utf8'));
  assert.ok(spec.title.subtitle.join(' ').includes('1/5 for mmoe; 1/4 for cgc; 1/3 for ple'), spec.title.subtitle.join(' '));
});
