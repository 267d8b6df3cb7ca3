// The smoke preset end to end through the real CLI: files, headers and row counts against the config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { OUTPUTS, header } from '../../src/output/columns';
import { runSeed } from '../../src/sweep/plan';
import { ROOT, readTable, runCli, tmpDir, withoutColumns } from '../helpers/cli';

const smoke = JSON.parse(fs.readFileSync(path.join(ROOT, 'configs', 'smoke.json'), 'utf8'));
const MODELS: string[] = smoke.sweep.models;
const CORRS: number[] = smoke.sweep.correlations;
const RUNS: number = smoke.sweep.runs;
const STEPS: number = smoke.train.steps;
const EVERY: number = smoke.train.evalEvery;
const TASKS = 2;
const EXPERTS = 8;
const TIMING = ['seconds'];

function sweep(out: string, extra: string[] = []) {
  const r = runCli(['--preset', 'smoke', '--out', out, '--quiet', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

test('smoke sweep writes every documented file with the documented header', () => {
  const out = path.join(tmpDir('smoke'), 'out');
  sweep(out, ['--backend', 'wasm']);
  for (const [name, o] of Object.entries(OUTPUTS)) {
    const t = readTable(path.join(out, o.file));
    assert.deepEqual(t.header, header(name as keyof typeof OUTPUTS), o.file);
  }
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.status, 'complete');
  assert.equal(manifest.backend, 'wasm');
  assert.equal(manifest.config.sweep.seed, smoke.sweep.seed);
  assert.equal(manifest.runsTotal, MODELS.length * CORRS.length * RUNS);
});

test('row counts and contents follow the config', () => {
  const out = path.join(tmpDir('counts'), 'out');
  sweep(out);
  const runs = readTable(path.join(out, 'runs.csv'));
  assert.equal(runs.rows.length, MODELS.length * CORRS.length * RUNS * TASKS);
  const col = (name: string) => runs.header.indexOf(name);
  for (const r of runs.rows) {
    assert.ok(MODELS.includes(r[col('model')]));
    assert.ok(CORRS.includes(Number(r[col('correlation')])));
    // the seed is a function of (base seed, run) only: identical across models and correlations
    assert.equal(Number(r[col('seed')]), runSeed(smoke.sweep.seed, Number(r[col('run')])));
    assert.equal(Number(r[col('steps')]), STEPS);
    assert.equal(r[col('status')], 'ok');
    const loss = Number(r[col('eval_loss')]);
    const norm = Number(r[col('eval_loss_normalized')]);
    assert.ok(loss > 0 && Number.isFinite(loss));
    assert.ok(norm > 0 && norm < 5, `normalized loss ${norm}`);
  }
  const evalPoints = Math.ceil(STEPS / EVERY);
  assert.equal(readTable(path.join(out, 'curves.csv')).rows.length, MODELS.length * CORRS.length * RUNS * TASKS * 2 * evalPoints);
  const gated = MODELS.filter((m) => m !== 'shared-bottom').length;
  const gates = readTable(path.join(out, 'gates.csv'));
  assert.equal(gates.rows.length, gated * CORRS.length * RUNS * TASKS * EXPERTS);
  // each task's mean gate weights form a distribution over experts
  const sums = new Map<string, number>();
  const gw = gates.header.indexOf('weight');
  const gkey = (g: string[]) => ['model', 'correlation', 'run', 'lr', 'task'].map((c) => g[gates.header.indexOf(c)]).join(',');
  for (const g of gates.rows) sums.set(gkey(g), (sums.get(gkey(g)) ?? 0) + Number(g[gw]));
  for (const [k, s] of sums) assert.ok(Math.abs(s - 1) < 1e-4, `${k} sums to ${s}`);

  const cellsTimesMetrics = MODELS.length * CORRS.length * TASKS * 2;
  const summary = readTable(path.join(out, 'summary.csv'));
  assert.equal(summary.rows.length, cellsTimesMetrics);
  for (const s of summary.rows) assert.equal(Number(s[summary.header.indexOf('runs')]), RUNS);
  const bins = 21 + 1;
  const hist = readTable(path.join(out, 'histogram.csv'));
  assert.equal(hist.rows.length, cellsTimesMetrics * bins);
  // histogram counts add up to the runs of each cell
  const counts = new Map<string, number>();
  const hkey = (h: string[]) => ['model', 'correlation', 'lr', 'task', 'metric'].map((c) => h[hist.header.indexOf(c)]).join(',');
  for (const h of hist.rows) counts.set(hkey(h), (counts.get(hkey(h)) ?? 0) + Number(h[hist.header.indexOf('count')]));
  for (const [k, c] of counts) assert.equal(c, RUNS, k);

  const params = readTable(path.join(out, 'params.csv'));
  const total = (m: string) => Number(params.rows.find((r) => r[0] === m && r[1] === 'total')![2]);
  // hand counts for the default sizes (d=100, bottom 113, 8 experts × 16, towers 8, 2 tasks)
  const towers = (h: number) => 2 * (h * 8 + 8 + 8 * 1 + 1);
  assert.equal(total('shared-bottom'), 100 * 113 + 113 + towers(113));
  assert.equal(total('omoe'), 100 * 128 + 128 + 100 * 8 + towers(16));
  assert.equal(total('mmoe'), 100 * 128 + 128 + 2 * 100 * 8 + towers(16));
});

test('the same command and seed gives the same numbers; --jobs and --replicas do not change them', () => {
  const base = tmpDir('determinism');
  const a = path.join(base, 'a');
  const b = path.join(base, 'b');
  const c = path.join(base, 'c');
  sweep(a, ['--jobs', '1']);
  sweep(b, ['--jobs', '1']);
  sweep(c, ['--jobs', '2', '--replicas', '2']);
  for (const f of ['runs.csv', 'curves.csv', 'gates.csv', 'summary.csv', 'histogram.csv']) {
    assert.equal(withoutColumns(path.join(b, f), TIMING), withoutColumns(path.join(a, f), TIMING), `${f} differs between identical runs`);
  }
  for (const f of ['runs.csv', 'curves.csv', 'gates.csv']) {
    const x = readTable(path.join(a, f));
    const y = readTable(path.join(c, f));
    assert.equal(y.rows.length, x.rows.length);
    // replicas are batched matmuls: the same arithmetic per replica, so equal to float rounding
    x.rows.forEach((row, i) =>
      row.forEach((v, j) => {
        if (TIMING.includes(x.header[j])) return;
        const nv = Number(v);
        if (Number.isNaN(nv)) assert.equal(y.rows[i][j], v);
        else assert.ok(Math.abs(Number(y.rows[i][j]) - nv) <= 1e-4 * Math.max(1, Math.abs(nv)), `${f} row ${i} ${x.header[j]}: ${v} vs ${y.rows[i][j]}`);
      }),
    );
  }
  const seedOf = (dir: string) => {
    const t = readTable(path.join(dir, 'runs.csv'));
    return t.rows.map((r) => r[t.header.indexOf('seed')]).join();
  };
  const other = path.join(base, 'd');
  sweep(other, ['--seed', '2']);
  assert.notEqual(seedOf(other), seedOf(a));
  assert.notEqual(withoutColumns(path.join(other, 'runs.csv'), TIMING), withoutColumns(path.join(a, 'runs.csv'), TIMING));
});

test('re-running into the same folder resumes: nothing is retrained, files unchanged', () => {
  const out = path.join(tmpDir('resume'), 'out');
  sweep(out);
  const before = fs.readFileSync(path.join(out, 'runs.csv'), 'utf8');
  const r = runCli(['--preset', 'smoke', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  assert.equal(summary.resumed, MODELS.length * CORRS.length * RUNS);
  assert.equal(fs.readFileSync(path.join(out, 'runs.csv'), 'utf8'), before);
});

test('--lr as a list trains each rate and marks the best per model and correlation', () => {
  const out = path.join(tmpDir('lr'), 'out');
  sweep(out, ['--lr', '0.0001,0.01', '--models', 'mmoe', '--correlation', '0.5']);
  const s = readTable(path.join(out, 'summary.csv'));
  const c = (n: string) => s.header.indexOf(n);
  const raw = s.rows.filter((r) => r[c('metric')] === 'raw');
  assert.deepEqual([...new Set(raw.map((r) => r[c('lr')]))].sort(), ['0.0001', '0.01']);
  const mean = (lr: string) => raw.filter((r) => r[c('lr')] === lr).reduce((a, r) => a + Number(r[c('mean')]), 0);
  const best = mean('0.0001') < mean('0.01') ? '0.0001' : '0.01';
  for (const r of raw) assert.equal(r[c('best_lr')], String(r[c('lr')] === best));
});
