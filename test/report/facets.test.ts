// A folder with --set axes reported without --where: the axes as facets. Numbers checked
// against runs.csv by hand (mean and t interval with a tabulated quantile), claims judged per
// combination equal to a one-combination report's, the figure's series, determinism, and the
// CLI's --json, --junit and --check naming each combination; then a real sweep end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { judgeClaims } from '../../src/report/claims';
import { loadSweep } from '../../src/report/load';
import { displayPath, num, writeReport } from '../../src/report/report';
import { readTable, runCli, tmpDir } from '../helpers/cli';
import { Truth, writeSynthetic } from './synthetic';
import { junitCases } from './xml';

const MODELS = ['shared-bottom', 'omoe', 'mmoe'];
const RUNS = 8;
/** Student t 0.975 quantile with 7 degrees of freedom (tables): the 95% interval of a mean of 8 runs. */
const T7 = 2.364624252;

/** mmoe gains most from experts: worse than omoe at 2 (C1 fails there), better at 4 and 8. */
const truth: Truth = (model, p, run, noise, point) => {
  const e = point!['model.experts'];
  const shared = noise();
  const own = [noise(), noise(), noise()][MODELS.indexOf(model)];
  const level = model === 'shared-bottom' ? 0.35 : model === 'omoe' ? 0.2 + 0.1 / e : 0.1 + 0.4 / e;
  return level + (1 - p) * 0.05 + 0.01 * shared + 0.004 * own + (point!['data.noiseStd'] ?? 0);
};

const root = tmpDir('facets');
const one = writeSynthetic(path.join(root, 'experts'), { models: MODELS, correlations: [0.5, 1], runs: RUNS, truth, grid: { 'model.experts': [8, 2, 4] }, extras: true });

/** Each run's loss (mean of its two tasks) per model, correlation and combination, straight from runs.csv. */
function byHand(dir: string, axes: string[]): Map<string, number[]> {
  const t = readTable(path.join(dir, 'runs.csv'));
  const c = (n: string) => t.header.indexOf(n);
  const runs = new Map<string, number[]>();
  for (const r of t.rows) {
    const key = [r[c('model')], r[c('correlation')], ...axes.map((a) => r[c(a)]), r[c('run')]].join('|');
    runs.set(key, [...(runs.get(key) ?? []), Number(r[c('eval_loss_normalized')])]);
  }
  const cells = new Map<string, number[]>();
  for (const [key, tasks] of runs) {
    const cell = key.slice(0, key.lastIndexOf('|'));
    cells.set(cell, [...(cells.get(cell) ?? []), (tasks[0] + tasks[1]) / 2]);
  }
  return cells;
}

const meanOf = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const halfWidth = (v: number[]) => T7 * Math.sqrt(v.reduce((a, x) => a + (x - meanOf(v)) ** 2, 0) / (v.length - 1)) / Math.sqrt(v.length);

test('no --where: a table and figure CSV of final loss per model × model.experts × correlation, equal to runs.csv by hand', async () => {
  const out = await writeReport(one, { metric: 'normalized' });
  assert.deepEqual(out.open, ['model.experts']);
  assert.deepEqual(out.sets.map((x) => x.sweep.point), [{ 'model.experts': 2 }, { 'model.experts': 4 }, { 'model.experts': 8 }], 'ascending, whatever order --set gave');
  const fig = readTable(path.join(one, 'figures', 'grid-final-loss.csv'));
  assert.deepEqual(fig.header, ['model', 'correlation', 'task', 'panel', 'lr', 'runs', 'diverged', 'mean', 'ci_low', 'ci_high', 'model.experts']);
  assert.equal(fig.rows.length, 3 * 2 * 3 * 3, 'models × correlations × experts × (both, task 1, task 2)');
  const col = (n: string) => fig.header.indexOf(n);
  const md = fs.readFileSync(out.report, 'utf8');
  const hand = byHand(one, ['model.experts']);
  assert.equal(hand.size, 3 * 2 * 3);
  for (const [key, v] of hand) {
    const [model, p, e] = key.split('|');
    const row = fig.rows.find((r) => r[col('model')] === model && r[col('correlation')] === p && r[col('model.experts')] === e && r[col('task')] === 'both')!;
    assert.equal(row[col('runs')], String(RUNS));
    assert.ok(Math.abs(Number(row[col('mean')]) - meanOf(v)) < 1e-12, `${key}: mean ${row[col('mean')]} vs ${meanOf(v)}`);
    assert.ok(Math.abs(Number(row[col('ci_high')]) - (meanOf(v) + halfWidth(v))) < 1e-7, `${key}: ci_high`);
    assert.ok(Math.abs(Number(row[col('ci_low')]) - (meanOf(v) - halfWidth(v))) < 1e-7, `${key}: ci_low`);
    assert.ok(md.includes(`| ${model} | ${p} | ${e} | ${RUNS} | 0 | ${num(meanOf(v))} | ${num(meanOf(v) - halfWidth(v))} – ${num(meanOf(v) + halfWidth(v))} |`), `report.md row for ${key}`);
  }
  // each task on its own: task 1 is the run's loss − 5e-7 (synthetic.ts), so its mean sits just below
  for (const r of fig.rows.filter((x) => x[col('task')] === '1')) {
    const both = fig.rows.find((x) => x[col('task')] === 'both' && [0, 1, col('model.experts')].every((i) => x[i] === r[i]))!;
    assert.ok(Math.abs(Number(r[col('mean')]) - (Number(both[col('mean')]) - 5e-7)) < 1e-12);
  }
  assert.match(md, /## Across the --set axes\n\n\| model \| correlation \| model\.experts \| runs \| diverged \| mean \| 95% CI of the mean \| task 1: mean \(95% CI\) \| task 2: mean \(95% CI\) \|/);
  assert.match(md, /!\[grid-final-loss\]\(figures\/grid-final-loss\.svg\)/);
});

test('the figure draws one series per model against model.experts, one panel per correlation', () => {
  const spec = JSON.parse(fs.readFileSync(path.join(one, 'figures', 'grid-final-loss.vl.json'), 'utf8'));
  assert.equal(spec.data.url, 'grid-final-loss.csv');
  assert.deepEqual(spec.transform, [{ filter: "datum.task === 'both'" }]);
  assert.equal(spec.facet.column.field, 'correlation');
  assert.equal(spec.facet.row, undefined, 'one open axis: no rows of panels');
  const x = spec.spec.layer[0].encoding.x;
  assert.equal(x.field, 'model\\.experts');
  assert.equal(x.scale.type, 'log', '2 to 8 spans a factor of 4');
  const svg = fs.readFileSync(path.join(one, 'figures', 'grid-final-loss.svg'), 'utf8');
  // vega labels each point mark with its values (its tooltip too): 3 models × 3 expert counts × 2 correlations
  const points = [...svg.matchAll(/aria-label="model\.experts: (\d+); held-out MSE \/ label variance: [\d.]+; model: ([\w-]+); correlation: /g)];
  assert.equal(points.length, 18, 'one point per model, expert count and correlation');
  for (const m of MODELS) assert.deepEqual(points.filter((p) => p[2] === m).map((p) => p[1]).sort(), ['2', '2', '4', '4', '8', '8'], m);
  const lines = svg.match(/<g class="mark-line role-mark[^"]*"[^>]*>(<path[^>]*\/>)+<\/g>/g) ?? [];
  assert.equal(lines.reduce((a, g) => a + (g.match(/<path/g) ?? []).length, 0), 6, 'one line per model in each of the 2 panels');
  for (const ext of ['svg', 'png']) assert.ok(fs.statSync(path.join(one, 'figures', `grid-final-loss.${ext}`)).size > 1000, ext);
});

test('claims are judged per combination, each equal to the one-combination report of it; the paper-shaped sections show a declared one', async () => {
  const out = await writeReport(one, { metric: 'normalized' });
  for (const set of out.sets) {
    const e = set.sweep.point['model.experts'];
    const alone = judgeClaims(loadSweep(one, 'normalized', [`model.experts=${e}`]));
    assert.deepEqual(set.claims.map((c) => ({ ...c, combination: undefined })), alone.map((c) => ({ ...c, combination: undefined })), `experts=${e}`);
    for (const c of set.claims) assert.deepEqual(c.combination, { 'model.experts': e });
  }
  const c1 = out.sets.map((x) => x.claims[0].verdict);
  assert.deepEqual(c1, ['fail', 'pass', 'pass'], 'mmoe is worse than omoe with 2 experts only');
  const md = fs.readFileSync(out.report, 'utf8');
  assert.match(md, /### C1 \[model\.experts=2\]: .* — fail/);
  assert.match(md, /\| C1 \| at each correlation, mean final loss mmoe ≤ omoe ≤ shared-bottom \| 2 \| \*\*fail\*\* \|/);
  // the synthetic config has model.experts 4: that combination is the reference, and says so
  assert.match(md, /show one combination, \*\*model\.experts=4\*\* \(the config's own value\)/);
  assert.match(md, /## Final held-out loss at model\.experts=4\n/);
  assert.equal(out.sweep.point['model.experts'], 4);
  const headline = readTable(path.join(one, 'figures', 'fig4-final-loss.csv'));
  const hand = byHand(one, ['model.experts']);
  for (const r of headline.rows) assert.ok(Math.abs(Number(r[3]) - meanOf(hand.get(`${r[0]}|${r[1]}|4`)!)) < 1e-12, 'fig4-final-loss holds the reference combination only');
  assert.match(JSON.parse(fs.readFileSync(path.join(one, 'figures', 'fig4-final-loss.vl.json'), 'utf8')).title.subtitle.join(' '), /--set combination: model\.experts=4/);
  const claims = readTable(path.join(one, 'claims.csv'));
  assert.equal(claims.header[claims.header.length - 1], 'model.experts');
  assert.deepEqual([...new Set(claims.rows.map((r) => r[r.length - 1]))], ['2', '4', '8']);
});

test('re-running the report reproduces every file byte for byte, with no machine path in them', async () => {
  const files = ['report.md', 'claims.csv', ...['grid-final-loss', 'fig4-final-loss'].flatMap((f) => ['csv', 'vl.json', 'svg', 'png', 'pdf'].map((e) => `figures/${f}.${e}`))];
  const read = () => files.map((f) => fs.readFileSync(path.join(one, f)));
  await writeReport(one, { metric: 'normalized' });
  const first = read();
  await writeReport(one, { metric: 'normalized' });
  read().forEach((b, i) => assert.ok(b.equals(first[i]), `${files[i]} changed`));
  // (report.md names the folder relative to the working directory, as every report does)
  for (const [i, f] of files.entries()) {
    const text = first[i].toString().replaceAll(displayPath(one), 'DIR');
    if (!f.endsWith('.png')) assert.ok(!text.includes(root) && !text.includes(process.cwd()), `${f} names a machine path`);
  }
});

test('two axes: the second gives rows of panels; --where fixes one (the other stays a facet) or both (the one-combination report)', async () => {
  const grid = { 'model.experts': [2, 4], 'data.noiseStd': [0.1, 0.5] };
  const dir = writeSynthetic(path.join(root, 'two'), { models: MODELS, correlations: [0.5, 1], runs: RUNS, truth, grid });
  const all = await writeReport(dir, { metric: 'normalized' });
  assert.equal(all.sets.length, 4);
  const fig = readTable(path.join(dir, 'figures', 'grid-final-loss.csv'));
  assert.deepEqual(fig.header.slice(-2), ['model.experts', 'data.noiseStd']);
  assert.deepEqual([...new Set(fig.rows.map((r) => r[3]))], ['data.noiseStd=0.1', 'data.noiseStd=0.5']);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'figures', 'grid-final-loss.vl.json'), 'utf8')).facet.row.field, 'panel');
  const hand = byHand(dir, ['model.experts', 'data.noiseStd']);
  for (const r of fig.rows.filter((x) => x[2] === 'both')) assert.ok(Math.abs(Number(r[7]) - meanOf(hand.get(`${r[0]}|${r[1]}|${r[10]}|${r[11]}`)!)) < 1e-12);
  assert.match(fs.readFileSync(all.report, 'utf8'), /### C1 \[model\.experts=2, data\.noiseStd=0\.1\]: /);

  const half = await writeReport(dir, { metric: 'normalized', where: ['data.noiseStd=0.5'] });
  assert.deepEqual(half.open, ['model.experts']);
  const part = readTable(path.join(dir, 'figures', 'grid-final-loss.csv'));
  assert.equal(part.rows.length, fig.rows.length / 2);
  assert.deepEqual(part.rows.map((r) => r.slice(0, 11).map((v, i) => (i === 3 ? '' : v))), fig.rows.filter((r) => r[11] === '0.5').map((r) => r.slice(0, 11).map((v, i) => (i === 3 ? '' : v))), 'the same numbers for the same combinations');
  const md = fs.readFileSync(half.report, 'utf8');
  assert.match(md, /Fixed by `--where`: data\.noiseStd=0\.5\./);
  assert.match(md, /`--where data\.noiseStd=0\.5 --where model\.experts=V` reports any combination on its own/);

  const single = await writeReport(dir, { metric: 'normalized', where: ['data.noiseStd=0.5', 'model.experts=4'] });
  assert.deepEqual(single.open, []);
  assert.ok(single.removed.some((f) => f.endsWith('grid-final-loss.svg')), 'the facet figure of the earlier report is removed, not left stale');
  assert.ok(!fs.existsSync(path.join(dir, 'figures', 'grid-final-loss.csv')));
  assert.ok(single.claims.every((c) => c.combination === undefined));
  assert.doesNotMatch(fs.readFileSync(single.report, 'utf8'), /Across the --set axes/);
  // plain decimal, as every number on the command line: 0x4 and ' 4' are not 4, .5 is 0.5
  for (const bad of ['model.experts=0x4', 'model.experts= 4']) await assert.rejects(writeReport(dir, { metric: 'normalized', where: [bad] }), (e: Error) => e.message.includes('--where') && e.message.includes(JSON.stringify(bad)));
  assert.deepEqual((await writeReport(dir, { metric: 'normalized', where: ['data.noiseStd=.5', 'model.experts=4'] })).open, []);
});

test('CLI without --where: verdict lines, --json, --junit and --check name each combination', () => {
  const junit = path.join(root, 'report.xml');
  const r = runCli(['report', one, '--check', '--junit', junit]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /^C1 \[model\.experts=2\]  fail /m);
  assert.match(r.stdout, /^C1 \[model\.experts=8\]  pass /m);
  assert.match(r.stdout, /^S-mmoe \[model\.experts=4\]  pass /m);
  assert.match(r.stderr, /check failed: C1 \[model\.experts=2\] fails\n$/);
  const cases = junitCases(fs.readFileSync(junit, 'utf8'));
  assert.equal(cases.length, 3 * (5 + 3), 'five claims and three gates per combination');
  assert.deepEqual(cases.filter((c) => c.children.some((x) => x.name === 'failure')).map((c) => c.attrs.name.split(':')[0]), ['C1 [model.experts=2]']);
  const json = JSON.parse(runCli(['report', one, '--json']).stdout);
  assert.deepEqual(json.facets, ['model.experts']);
  assert.equal(json.claims.length, 15);
  assert.deepEqual(json.claims.filter((c: { id: string }) => c.id === 'C1').map((c: { combination: object; verdict: string }) => [c.combination, c.verdict]), [[{ 'model.experts': 2 }, 'fail'], [{ 'model.experts': 4 }, 'pass'], [{ 'model.experts': 8 }, 'pass']]);
  assert.equal(json.gates.length, 9);
  assert.equal(json.design, 'independent samples across correlations');
});

test('end to end: a real sweep with --set model.experts=2,4, reported without --where, twice the same', () => {
  const dir = path.join(root, 'real');
  const made = runCli(['--preset', 'smoke', '--set', 'model.experts=2,4', '--jobs', '1', '--quiet', '--out', dir]);
  assert.equal(made.code, 0, made.stderr);
  const r = runCli(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^C1 \[model\.experts=2\] /m);
  assert.match(r.stdout, /^C5 \[model\.experts=4\] /m);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  const fig = readTable(path.join(dir, 'figures', 'grid-final-loss.csv'));
  const hand = byHand(dir, ['model.experts']);
  assert.equal(fig.rows.filter((x) => x[2] === 'both').length, hand.size);
  for (const [key, v] of hand) {
    const [model, p, e] = key.split('|');
    const row = fig.rows.find((x) => x[0] === model && x[1] === p && x[2] === 'both' && x[10] === e)!;
    assert.ok(Math.abs(Number(row[7]) - meanOf(v)) < 1e-12, key);
    assert.ok(md.includes(`| ${model} | ${p} | ${e} | ${v.length} | 0 | ${num(meanOf(v))} |`), `report.md row for ${key}`);
  }
  // smoke's config has 8 experts, not in the grid: the first combination is shown, and why
  assert.match(md, /\*\*model\.experts=2\*\* \(the first combination: the config's own value \(model\.experts=8\) is not in the grid\)/);
  assert.ok(fs.existsSync(path.join(dir, 'figures', 'grid-final-loss.png')));
  assert.match(md, /\nnpx mmoe-sweep report \S+\n```/, 'the report command to re-run needs no --where');
  const again = runCli(['report', dir]);
  assert.equal(again.stdout, r.stdout);
  assert.equal(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), md);
});

test('an interrupted sweep: a combination without runs is named and left out; --where on it is refused (exit 2, one line)', async () => {
  const dir = writeSynthetic(path.join(root, 'partial'), { models: MODELS, correlations: [0.5, 1], runs: 4, truth, grid: { 'model.experts': [2, 4, 8] } });
  const runs = path.join(dir, 'runs.csv');
  const [head, ...rows] = fs.readFileSync(runs, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(runs, [head, ...rows.filter((r) => !r.endsWith(',8'))].join('\n') + '\n');
  const out = await writeReport(dir, { metric: 'normalized' });
  assert.deepEqual(out.sets.map((x) => x.sweep.point['model.experts']), [2, 4]);
  assert.match(fs.readFileSync(out.report, 'utf8'), /\(2 combinations with runs\)\. No runs yet at model\.experts=8\./);
  const r = runCli(['report', dir, '--where', 'model.experts=8']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^mmoe-sweep: --where: got "model\.experts=8"; allowed: a combination with finished runs in .*partial\n$/);
  // the gates read normalized loss whatever --metric says, per combination here too
  const raw = JSON.parse(runCli(['report', dir, '--metric', 'raw', '--json']).stdout);
  assert.deepEqual(raw.gates.map((g: { id: string; combination: object }) => [g.id, g.combination]), ['2', '4'].flatMap((e) => MODELS.map((m) => [`S-${m}`, { 'model.experts': Number(e) }])));
});

test('a claim no combination can judge takes one row and one entry ("all", "every combination"), not one per combination', async () => {
  const dir = writeSynthetic(path.join(root, 'narrow'), { models: ['omoe', 'mmoe'], correlations: [0.5], runs: 4, truth, grid: { 'model.experts': [2, 4, 8] } });
  const md = fs.readFileSync((await writeReport(dir, { metric: 'normalized' })).report, 'utf8');
  assert.equal((md.match(/^\| C1 \|/gm) ?? []).length, 3, 'C1 (omoe against mmoe) is judged at each combination');
  assert.match(md, /^\| C2 \| the omoe − mmoe gap is larger at the lowest correlation than at the highest \| all \| \*\*not applicable\*\* \| — \| — \| — \|$/m);
  assert.equal((md.match(/^\| C[2-5] \|/gm) ?? []).length, 4);
  assert.equal((md.match(/^### C2/gm) ?? []).length, 1);
  assert.match(md, /^### C5 \(every combination\): .* — not applicable$/m);
});

test('with single-task: the facet table gives each combination\'s MTL gain, against single-task of the same combination', async () => {
  // single-task is the same at every expert count; mmoe improves with experts, so its gain grows with them
  const gainTruth: Truth = (model, p, run, noise, point) => (model === 'single-task' ? 0.3 + 0.01 * Math.abs(noise()) : 0.3 * (1 - 0.04 * point!['model.experts']) + 0.002 * noise());
  const dir = writeSynthetic(path.join(root, 'gain'), { models: ['single-task', 'mmoe'], correlations: [1], runs: RUNS, truth: gainTruth, grid: { 'model.experts': [2, 4] } });
  const md = fs.readFileSync((await writeReport(dir, { metric: 'normalized' })).report, 'utf8');
  const hand = byHand(dir, ['model.experts']);
  for (const e of ['2', '4']) {
    const single = hand.get(`single-task|1|${e}`)!;
    const gain = hand.get(`mmoe|1|${e}`)!.map((l, i) => (single[i] - l) / single[i]); // the tasks differ by 1e-6: the mean of their gains to 1e-5
    const row = md.split('\n').find((l) => l.startsWith(`| mmoe | 1 | ${e} |`))!;
    const shown = Number(row.split('|').slice(-2)[0].trim().split(' ')[0]);
    assert.ok(Math.abs(shown - meanOf(gain)) < 1e-3 * Math.abs(meanOf(gain)), `experts=${e}: ${shown} vs ${meanOf(gain)}`);
  }
  assert.match(md, /\| task 2: mean \(95% CI\) \| MTL gain, both tasks \(95% CI\) \|/);
});
