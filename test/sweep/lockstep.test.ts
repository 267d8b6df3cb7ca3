// Shared data: a run set's groups step in lockstep on one batch buffer, each run's rows drawn once
// per step. A model trained in a run set equals it trained alone, a resumed set (groups needing
// only some runs) equals the full one, and a sweep's numbers depend on neither --jobs nor --replicas.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { initBackend } from '../../src/engine/backend';
import { DEFAULTS, SweepConfig } from '../../src/config/defaults';
import { TASKS, makeRunData, studyConstants } from '../../src/data/generator';
import { Engine } from '../../src/train/engines';
import { RunResult, trainGroup } from '../../src/train/replicas';
import { GroupPlan, RunKey, RunSetPlan, allRuns, planRunSets, runId } from '../../src/sweep/plan';
import { trainRunSet } from '../../src/sweep/worker';
import { readTable, runCli, tmpDir } from '../helpers/cli';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

const CFG: SweepConfig = {
  ...DEFAULTS,
  data: { ...DEFAULTS.data, trainSize: 0, evalSize: 128 },
  train: { steps: 120, batchSize: 32, lr: [0.001, 0.01], evalEvery: 50 },
  sweep: { ...DEFAULTS.sweep, models: ['shared-bottom', 'mmoe'], correlations: [0.9], runs: 3, seed: 7 },
};

function alone(g: GroupPlan, engine: Engine): RunResult[] {
  const constants = studyConstants(CFG.data, CFG.sweep.seed);
  return trainGroup({
    model: g.model, shape: { ...CFG.model, inputDim: CFG.data.dim, tasks: TASKS }, lr: g.lr, train: CFG.train,
    runs: g.runs.map((r) => ({ ...r, data: makeRunData(CFG.data, g.correlation, constants, r.seed) })),
  }, engine);
}

const numbers = (r: RunResult) => ({ ...r, seconds: 0 });

for (const engine of ['fused', 'tfjs'] as const) {
  test(`${engine}: every group of a run set, full or resumed, equals it trained alone`, () => {
    const [set] = planRunSets(allRuns(CFG), 8);
    assert.equal(set.runs.length, 3);
    assert.equal(set.groups.length, 4, '2 models × 2 lrs');
    // a resumed set: mmoe at lr 0.01 still needs only runs 0 and 2
    const resumed: RunSetPlan = { ...set, groups: set.groups.map((g) => (g.model === 'mmoe' && g.lr === 0.01 ? { ...g, runs: [g.runs[0], g.runs[2]] } : g)) };
    const got = new Map<string, RunResult[]>();
    let steps = 0;
    trainRunSet(CFG, resumed, engine, { group: (g, res) => got.set(`${g.model}|${g.lr}`, res), progress: (s) => (steps += s) });
    assert.equal(steps, CFG.train.steps * (3 * 3 + 2), 'progress counts every run-step once');
    for (const g of resumed.groups) {
      const res = got.get(`${g.model}|${g.lr}`)!;
      assert.deepEqual(res.map((r) => r.run), g.runs.map((r) => r.run));
      assert.deepEqual(res.map(numbers), alone(g, engine).map(numbers), `${g.model} at lr ${g.lr}`);
    }
    // the models really saw the same rows: same run, same held-out variance, so normalized / loss agree
    const sb = got.get('shared-bottom|0.001')![0];
    const mm = got.get('mmoe|0.001')![0];
    const variance = (r: RunResult) => r.evalLoss[0] / r.evalNormalized[0];
    assert.ok(Math.abs(variance(sb) - variance(mm)) <= 1e-12 * variance(sb));
  });
}

test('run sets: every unfinished run exactly once, at most --replicas wide, a multiple of --jobs per correlation', () => {
  const cfg = { ...DEFAULTS, train: { ...DEFAULTS.train, lr: [0.001, 0.003] }, sweep: { ...DEFAULTS.sweep, runs: 20 } };
  const all = allRuns(cfg);
  // resumed: some (model, lr, run) already done
  const todo = all.filter((k, i) => i % 7 !== 3);
  for (const [replicas, jobs] of [[8, 1], [8, 2], [3, 2], [1, 2], [32, 2]]) {
    const sets = planRunSets(todo, replicas, jobs);
    const planned: string[] = sets.flatMap((s) => s.groups.flatMap((g) => g.runs.map((r) => runId({ ...g, run: r.run }))));
    assert.deepEqual(planned.slice().sort(), todo.map(runId).sort(), `replicas ${replicas}, jobs ${jobs}`);
    for (const s of sets) {
      assert.ok(s.runs.length >= 1 && s.runs.length <= replicas);
      const inSet = new Set(s.runs.map((r) => r.run));
      for (const g of s.groups) {
        assert.equal(g.correlation, s.correlation);
        assert.ok(g.runs.every((r) => inSet.has(r.run)));
        assert.deepEqual(g.runs.map((r) => r.seed), g.runs.map((r) => s.runs.find((x) => x.run === r.run)!.seed));
      }
    }
    for (const c of cfg.sweep.correlations) {
      const n = sets.filter((s) => s.correlation === c).length;
      assert.ok(n % jobs === 0 || n === 20, `correlation ${c}: ${n} sets for ${jobs} jobs`);
    }
  }
  const keys: RunKey[] = all.filter((k) => k.model === 'mmoe' && k.lr === 0.003 && k.run === 5);
  assert.equal(planRunSets(keys, 8)[0].groups.length, 1, 'a set holds only the groups that need its runs');
});

test('a sweep gives the same numbers with --jobs 1 --replicas 1 and --jobs 2 --replicas 3 (run sets of different widths)', () => {
  const args = ['--preset', 'smoke', '--runs', '3', '--lr', '0.001,0.003', '--quiet', '--json'];
  const outs = [['--jobs', '1', '--replicas', '1'], ['--jobs', '2', '--replicas', '3']].map((extra) => {
    const out = path.join(tmpDir('lockstep'), 'out');
    const r = runCli([...args, ...extra, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).engine, 'fused');
    return out;
  });
  const rows = (out: string) =>
    fs.readFileSync(path.join(out, 'curves.csv'), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));
  const [a, b] = outs.map(rows);
  assert.equal(a.length, b.length);
  const header = fs.readFileSync(path.join(outs[0], 'curves.csv'), 'utf8').split('\n')[0].split(',');
  const loss = header.indexOf('loss');
  assert.ok(loss >= 0);
  a.forEach((row, i) => {
    assert.deepEqual(row.filter((_, j) => j !== loss), b[i].filter((_, j) => j !== loss));
    const x = Number(row[loss]);
    const y = Number(b[i][loss]);
    assert.ok(Math.abs(x - y) <= 1e-5 * Math.abs(y), `curves.csv row ${i + 2}: ${x} vs ${y}`);
  });
});

test('a short sweep on the fused engine agrees with the tfjs engine: every final loss within 1e-3 relative, gates within 1e-3', () => {
  const args = ['--preset', 'smoke', '--steps', '100', '--quiet', '--json'];
  const [fused, tfjs] = (['fused', 'tfjs'] as const).map((engine) => {
    const out = path.join(tmpDir(`engine-${engine}`), 'out');
    const r = runCli([...args, '--engine', engine, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).engine, engine);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    assert.equal(manifest.engine, engine);
    assert.deepEqual(Object.values(manifest.engines), ['fused', 'fused', 'fused'].map((e) => (engine === 'tfjs' ? 'tfjs' : e)));
    return out;
  });
  for (const [file, cols, tol] of [['runs.csv', ['train_loss', 'eval_loss'], 1e-3], ['gates.csv', ['weight'], 1e-3]] as const) {
    const [a, b] = [fused, tfjs].map((out) => readTable(path.join(out, file)));
    assert.deepEqual(a.header, b.header);
    assert.equal(a.rows.length, b.rows.length);
    assert.ok(a.rows.length > 0);
    const idx = cols.map((c) => a.header.indexOf(c));
    assert.ok(idx.every((i) => i >= 0), `${file}: ${cols.join(', ')}`);
    a.rows.forEach((row, r) =>
      idx.forEach((i) => {
        const x = Number(row[i]);
        const y = Number(b.rows[r][i]);
        assert.ok(Number.isFinite(x) && Math.abs(x - y) <= tol * Math.abs(y), `${file} row ${r + 2} ${a.header[i]}: fused ${x}, tfjs ${y}`);
      }),
    );
  }
});

test('--engine takes fused or tfjs; anything else is refused with one line and exit 2, before anything is written', () => {
  const out = path.join(tmpDir('engine-bad'), 'out');
  const r = runCli(['--preset', 'smoke', '--engine', 'gpu', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr.trim(), /^[^\n]*--engine[^\n]*gpu[^\n]*fused, tfjs[^\n]*$/);
  assert.equal(fs.existsSync(out), false);
});
