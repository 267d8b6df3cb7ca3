// MTL gain over single-task: the pairing rule on hand-made rows, summary.csv and the report on
// synthetic sweeps whose gains and seesaw are known by construction, and one real sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { GainRow, mtlGains } from '../../src/output/gain';
import { writeSummaries } from '../../src/report/summary';
import { writeReport } from '../../src/report/report';
import { readTable, runCli, tmpDir } from '../helpers/cli';
import { writeSynthetic } from './synthetic';

const row = (model: string, lr: number, run: number, task: number, loss: number, ok = true): GainRow => ({ model, correlation: 0.5, lr, run, task, loss, ok });

test('mtlGains pairs each run with single-task at its best lr, same run and task; diverged or absent: null', () => {
  const rows = [
    row('single-task', 0.01, 0, 1, 0.4), row('single-task', 0.01, 1, 1, 0.4), // mean 0.4: not the best lr
    row('single-task', 0.001, 0, 1, 0.2), row('single-task', 0.001, 1, 1, 0.25), // mean 0.225: the best lr
    row('mmoe', 0.01, 0, 1, 0.1), row('mmoe', 0.001, 1, 1, 0.3),
    row('mmoe', 0.001, 2, 1, 0.3), // run 2 has no single-task partner
    row('mmoe', 0.001, 0, 1, NaN, false), // diverged
    { ...row('mmoe', 0.001, 0, 1, 0.1), correlation: 0.9 }, // no single-task at 0.9
  ];
  const g = mtlGains(rows);
  assert.deepEqual(g.slice(0, 4).map((x) => x === null ? null : +x.toFixed(12)), [-1, -0.6, 0, 0]); // single-task against its own best lr
  assert.ok(Math.abs(g[4]! - (0.2 - 0.1) / 0.2) < 1e-12, 'mmoe at lr 0.01 is paired with single-task at 0.001, run 0');
  assert.ok(Math.abs(g[5]! - (0.25 - 0.3) / 0.25) < 1e-12, 'a loss: negative gain');
  assert.deepEqual(g.slice(6), [null, null, null]);
  assert.deepEqual(mtlGains(rows.filter((r) => r.model !== 'single-task')), [null, null, null, null, null]);
});

// single-task's loss varies by run; mmoe's is 0.8 × it on average (gain 0.2); shared-bottom gains 10% on task 1 and loses 20% on task 2
const RUNS = 10;
const factor = (run: number) => 0.8 + 0.02 * ((run % 5) - 2); // mean 0.8 over every 5 runs
const truth = (model: string, p: number, run: number, noise: () => number) => {
  const single = 0.3 + 0.02 * Math.abs(noise());
  return model === 'mmoe' ? single * factor(run) : single;
};
const taskFactor = (model: string, p: number, task: number) => (model === 'shared-bottom' ? (task === 1 ? 0.9 : 1.2) : 1);

function summaryGains(dir: string) {
  const t = readTable(path.join(dir, 'summary.csv'));
  const c = (n: string) => t.header.indexOf(n);
  return t.rows.map((r) => ({ model: r[c('model')], correlation: r[c('correlation')], task: r[c('task')], metric: r[c('metric')], runs: r[c('mtl_gain_runs')], mean: r[c('mtl_gain_mean')], low: r[c('mtl_gain_ci_low')], high: r[c('mtl_gain_ci_high')] }));
}

test('summary.csv and the report: mmoe gains 0.2, shared-bottom is a seesaw (+0.1 / −0.2), known by construction', async () => {
  const dir = writeSynthetic(path.join(tmpDir('gain'), 'sweep'), { models: ['single-task', 'shared-bottom', 'mmoe'], correlations: [0.5, 1], runs: RUNS, truth, taskFactor });
  writeSummaries(dir);
  const s = summaryGains(dir);
  assert.equal(s.length, 2 * 3 * 2 * 2);
  for (const r of s) {
    assert.equal(r.runs, String(RUNS));
    const want = r.model === 'mmoe' ? 0.2 : r.model === 'single-task' ? 0 : r.task === '1' ? 0.1 : -0.2;
    assert.ok(Math.abs(Number(r.mean) - want) < 1e-4, `${r.model} task ${r.task} ${r.metric}: ${r.mean} ≈ ${want}`);
    assert.ok(Number(r.low) <= Number(r.mean) && Number(r.mean) <= Number(r.high));
  }
  const mmoe = s.find((r) => r.model === 'mmoe')!;
  assert.ok(Number(mmoe.high) - Number(mmoe.low) > 0.005, 'the per-run spread of the gain gives a real interval');

  const out = await writeReport(dir, { metric: 'normalized' });
  const md = fs.readFileSync(out.report, 'utf8');
  assert.match(md, /## MTL gain over single-task/);
  assert.match(md, /\| shared-bottom \| 0\.5 \| 10 \| -0\.05 .*\| \*\*seesaw\*\* \|/);
  assert.match(md, /\| mmoe \| 1 \| 10 \| 0\.2 .*\| — \|/);
  assert.match(md, /Seesaw: shared-bottom at 1; shared-bottom at 0\.5\./);
  const fig = readTable(path.join(dir, 'figures', 'mtl-gain.csv'));
  assert.deepEqual(fig.header, ['model', 'correlation', 'task', 'runs', 'mean', 'ci_low', 'ci_high', 'seesaw']);
  assert.equal(fig.rows.length, 2 * 2 * 3, 'shared-bottom and mmoe × 2 correlations × (both, task 1, task 2); single-task left out');
  const sb1 = fig.rows.find((r) => r[0] === 'shared-bottom' && r[2] === '2')!;
  assert.ok(Math.abs(Number(sb1[4]) + 0.2) < 1e-4 && sb1[7] === 'true');
  for (const ext of ['vl.json', 'svg', 'png']) assert.ok(fs.existsSync(path.join(dir, 'figures', `mtl-gain.${ext}`)), ext);
});

test('without single-task: mtl_gain columns empty, no MTL gain section or figure', async () => {
  const dir = writeSynthetic(path.join(tmpDir('gain'), 'none'), { models: ['shared-bottom', 'mmoe'], correlations: [0.5, 1], runs: 4, truth });
  writeSummaries(dir);
  for (const r of summaryGains(dir)) assert.deepEqual([r.runs, r.mean, r.low, r.high], ['', '', '', '']);
  const out = await writeReport(dir, { metric: 'normalized' });
  assert.doesNotMatch(fs.readFileSync(out.report, 'utf8'), /MTL gain/);
  assert.ok(!fs.existsSync(path.join(dir, 'figures', 'mtl-gain.csv')));
});

test('CLI: --models single-task,mmoe writes mtl_gain per run (computed from its own losses) and the report section', () => {
  const dir = path.join(tmpDir('gain-cli'), 'sweep');
  const r = runCli(['--preset', 'smoke', '--models', 'single-task,mmoe', '--out', dir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTable(path.join(dir, 'runs.csv'));
  const c = (n: string) => t.header.indexOf(n);
  const single = new Map(t.rows.filter((x) => x[c('model')] === 'single-task').map((x) => [`${x[c('correlation')]}|${x[c('run')]}|${x[c('task')]}`, Number(x[c('eval_loss_normalized')])]));
  assert.equal(t.rows.length, 2 * 2 * 2 * 2);
  for (const x of t.rows) {
    const s = single.get(`${x[c('correlation')]}|${x[c('run')]}|${x[c('task')]}`)!;
    const want = (s - Number(x[c('eval_loss_normalized')])) / s;
    assert.ok(Math.abs(Number(x[c('mtl_gain')]) - want) < 1e-9, `${x.join(',')}: mtl_gain ${x[c('mtl_gain')]} vs ${want}`);
    if (x[c('model')] === 'single-task') assert.equal(Number(x[c('mtl_gain')]), 0);
  }
  const rep = runCli(['report', dir]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), /## MTL gain over single-task\n\n\| model \| correlation \| runs \| MTL gain, both tasks \(95% CI\) \| task 1 \| task 2 \| seesaw \|/);
  assert.ok(fs.existsSync(path.join(dir, 'figures', 'mtl-gain.svg')));
});
