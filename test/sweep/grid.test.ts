// --set KEY=V1,V2,...: a sweep's CSVs against its config, the runs at a point equal a plain sweep
// with that value, resume trains only the missing runs, shards merge to the whole; bad input → exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readTable, runCli, tmpDir, withoutColumns } from '../helpers/cli';
import { assertOneLine } from '../faults/helpers';

const ARGS = ['--preset', 'smoke', '--set', 'model.experts=2,4', '--jobs', '1', '--quiet'];
const FILES = ['runs.csv', 'curves.csv', 'gates.csv', 'summary.csv', 'histogram.csv', 'params.csv'];
const root = tmpDir('grid');
const whole = path.join(root, 'whole');
const smoke = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../configs/smoke.json'), 'utf8'));
const MODELS: string[] = smoke.sweep.models;
const CORRS: number[] = smoke.sweep.correlations;
const RUNS: number = smoke.sweep.runs;

test('--set model.experts=2,4: every CSV has the axis column and a row for every combination', () => {
  const r = runCli([...ARGS, '--out', whole]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = JSON.parse(fs.readFileSync(path.join(whole, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.config.sweep.grid, { 'model.experts': [2, 4] });
  assert.deepEqual(MODELS, ['shared-bottom', 'omoe', 'mmoe']);
  assert.equal(manifest.runsTotal, (2 * 2 + 1) * CORRS.length * RUNS, 'omoe and mmoe at both experts values, shared-bottom (it has no experts) once');
  assert.deepEqual(manifest.axesNotRead, { 'shared-bottom': ['model.experts'] });
  for (const f of FILES) assert.equal(readTable(path.join(whole, f)).header.at(-1), 'model.experts', f);
  const runs = readTable(path.join(whole, 'runs.csv'));
  const c = (n: string) => runs.header.indexOf(n);
  const seen = new Set(runs.rows.map((x) => [x[c('model')], x[c('correlation')], x[c('run')], x[c('task')], x[c('model.experts')]].join('|')));
  assert.equal(runs.rows.length, seen.size);
  for (const m of MODELS) for (const p of CORRS) for (let i = 0; i < RUNS; i++) for (const t of [1, 2]) for (const e of [2, 4]) assert.ok(seen.has(`${m}|${p}|${i}|${t}|${e}`), `${m} ${p} run ${i} task ${t} experts ${e}`);
  // run i keeps its seed across the axis (a paired design)
  const seeds = new Map<string, Set<string>>();
  for (const x of runs.rows) seeds.set(x[c('run')], (seeds.get(x[c('run')]) ?? new Set()).add(x[c('seed')]));
  for (const s of seeds.values()) assert.equal(s.size, 1);
  // gates: each mmoe run has as many experts as its point says
  const gates = readTable(path.join(whole, 'gates.csv'));
  const g = (n: string) => gates.header.indexOf(n);
  for (const e of [2, 4]) {
    const experts = new Set(gates.rows.filter((x) => x[g('model')] === 'mmoe' && x[g('model.experts')] === String(e)).map((x) => x[g('expert')]));
    assert.equal(experts.size, e);
  }
  // params.csv per point: mmoe's experts component doubles from 2 to 4 experts
  const params = readTable(path.join(whole, 'params.csv'));
  const experts = (e: number) => Number(params.rows.find((x) => x[0] === 'mmoe' && x[1] === 'experts' && x[3] === String(e))![2]);
  assert.equal(experts(4), 2 * experts(2));
  const summary = readTable(path.join(whole, 'summary.csv'));
  assert.equal(summary.rows.length, MODELS.length * CORRS.length * 2 * 2 * 2, 'model × correlation × task × metric × point');
});

test('the runs at model.experts=2 equal a plain sweep configured with 2 experts', () => {
  const cfg = path.join(root, 'two.json');
  fs.writeFileSync(cfg, JSON.stringify({ model: { experts: 2 } }));
  const plain = path.join(root, 'plain');
  assert.equal(runCli(['--preset', 'smoke', '--config', cfg, '--jobs', '1', '--quiet', '--out', plain]).code, 0);
  const a = readTable(path.join(whole, 'runs.csv'));
  const b = readTable(path.join(plain, 'runs.csv'));
  const loss = a.header.indexOf('eval_loss');
  const at2 = a.rows.filter((x) => x.at(-1) === '2');
  assert.equal(at2.length, b.rows.length);
  at2.forEach((x, i) => assert.equal(x[loss], b.rows[i][b.header.indexOf('eval_loss')]));
});

test('resume after an interrupt trains only the missing runs and writes the same files', () => {
  const out = path.join(root, 'resumed');
  fs.cpSync(whole, out, { recursive: true });
  const journal = path.join(out, 'journal.jsonl');
  const lines = fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean);
  const kept = lines.filter((l) => JSON.parse(l).point?.['model.experts'] === 4).slice(0, 5).concat(lines.filter((l) => JSON.parse(l).point?.['model.experts'] === 2).slice(0, 3));
  fs.writeFileSync(journal, kept.join('\n') + '\n');
  const r = runCli([...ARGS.filter((a) => a !== '--quiet'), '--json', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.resumed, 8);
  assert.equal(j.runs, lines.length);
  assert.equal(fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length, lines.length, 'only the missing runs were trained');
  for (const f of FILES) assert.equal(withoutColumns(path.join(out, f), ['seconds']), withoutColumns(path.join(whole, f), ['seconds']), f);
});

test('2 shards merged equal the whole sweep', () => {
  const shards = [1, 2].map((i) => path.join(root, `shard${i}`));
  shards.forEach((dir, i) => assert.equal(runCli([...ARGS, '--shard', `${i + 1}/2`, '--out', dir]).code, 0));
  const merged = path.join(root, 'merged');
  const r = runCli(['merge', ...shards, '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  for (const f of FILES) assert.equal(withoutColumns(path.join(merged, f), ['seconds']), withoutColumns(path.join(whole, f), ['seconds']), f);
});

test('compare treats the axis as part of the cell; report takes the axis as a facet, --where one combination', () => {
  const r = runCli(['compare', whole, path.join(root, 'merged')]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout + r.stderr, /model\.experts/);
  assert.match(runCli(['report', whole]).stdout, /^C1 \[model\.experts=2\] .*\n(.*\n)*C1 \[model\.experts=4\] /m); // test/report/facets.test.ts
  assertOneLine(runCli(['report', whole, '--where', 'model.experts=3']), 2, /one of 2, 4/);
  assertOneLine(runCli(['report', whole, '--where', 'model.units=3']), 2, /--set axes \(model\.experts\)/);
  const ok = runCli(['report', whole, '--where', 'model.experts=4']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(fs.readFileSync(path.join(whole, 'report.md'), 'utf8'), /model\.experts = 4/);
});

const BAD: [string, string[], RegExp][] = [
  ['an unknown key', ['--set', 'model.nope=1,2'], /--set: got "model\.nope"; allowed: a dotted config key/],
  ['a key without a section', ['--set', 'experts=1,2'], /--set: got "experts"/],
  ['an axis already: lr', ['--set', 'train.lr=0.1,0.01'], /use --lr for train\.lr/],
  ['an axis already: models', ['--set', 'sweep.models=mmoe'], /use --models/],
  ['an axis already: correlations', ['--set', 'sweep.correlations=0.5'], /use --correlation/],
  ['an axis already: runs', ['--set', 'sweep.runs=2,3'], /use --runs/],
  ['an axis already: seed', ['--set', 'sweep.seed=1,2'], /use --seed/],
  ['not a scalar', ['--set', 'data.alpha=1,2'], /a list, not a scalar/],
  ['a report setting', ['--set', 'report.histogramBins=5,10'], /a report setting/],
  ['a bad value for the key', ['--set', 'model.experts=2,0'], /--set model\.experts: got 0; allowed: an integer in \[1, 1024\]/],
  ['a non-number', ['--set', 'data.noiseStd=0.1,abc'], /--set data\.noiseStd: got "abc"/],
  ['a repeated value', ['--set', 'model.experts=4,4.0'], /4 is given twice/],
  ['the same key twice', ['--set', 'model.experts=2', '--set', 'model.experts=4'], /each key at most once/],
  ['no =', ['--set', 'model.experts'], /KEY=V1,V2/],
  ['a combination beyond the bounds', ['--set', 'train.steps=10,1000000', '--eval-every', '1'], /train\.steps \/ train\.evalEvery: got "1000000 \/ 1"/],
  ['too many combinations', ['--runs', '1000', '--set', 'model.experts=1,2,3,4,5,6,7,8,9,10', '--set', 'model.towerUnits=1,2,3,4,5'], /planned runs .*× 50 = 300000/],
];
for (const [what, args, want] of BAD) {
  test(`--set with ${what}: one line, exit 2`, () => {
    const out = path.join(root, `bad-${what.replace(/\W+/g, '-')}`);
    assertOneLine(runCli(['--preset', 'smoke', ...args, '--out', out, '--quiet']), 2, want);
    assert.ok(!fs.existsSync(out), 'nothing written');
  });
}

test('a data axis (data.noiseStd) changes the data per combination; mtl_gain pairs single-task within the combination', () => {
  const out = path.join(root, 'noise');
  assert.equal(runCli(['--preset', 'smoke', '--models', 'single-task,mmoe', '--set', 'data.noiseStd=0.1,1', '--jobs', '1', '--quiet', '--out', out]).code, 0);
  const t = readTable(path.join(out, 'runs.csv'));
  const c = (n: string) => t.header.indexOf(n);
  const label = (noise: string) => new Set(t.rows.filter((x) => x[c('data.noiseStd')] === noise && x[c('correlation')] === '1').map((x) => x[c('label_correlation')]));
  assert.equal(label('0.1').size, 1);
  assert.ok(Number([...label('0.1')][0]) > Number([...label('1')][0]) + 0.1, 'more noise, lower label correlation');
  const key = (x: string[]) => [x[c('correlation')], x[c('run')], x[c('task')], x[c('data.noiseStd')]].join('|');
  const single = new Map(t.rows.filter((x) => x[c('model')] === 'single-task').map((x) => [key(x), Number(x[c('eval_loss_normalized')])]));
  for (const x of t.rows.filter((r) => r[c('model')] === 'mmoe')) {
    const s = single.get(key(x))!;
    assert.ok(Math.abs(Number(x[c('mtl_gain')]) - (s - Number(x[c('eval_loss_normalized')])) / s) < 1e-9);
  }
});
