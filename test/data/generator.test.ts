// The synthetic task pair of paper §3.2, checked against its definition and against the
// closed-form label correlation it implies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stream } from '../../src/engine/random';
import {
  Constants, DATA_STREAM_VERSION, DataConfig, Rows, TASKS, TaskPair,
  fixedBatches, makeRunData, makeTaskPair, orthonormalPair, sampleRows, studyConstants,
} from '../../src/data/generator';
import { labelCorrelationCurve, labelPearson } from '../../src/data/correlation';
import { DEFAULTS } from '../../src/config/defaults';
import { allRuns, runSeed } from '../../src/sweep/plan';

/** A linear, noiseless pair unless a test says otherwise. */
function config(over: Partial<DataConfig> = {}): DataConfig {
  return {
    dim: 100, scale: 1, sinusoids: 0, alpha: null, beta: null, alphaStd: 1, betaStd: 1,
    noiseStd: 0, trainSize: 0, evalSize: 0, ...over,
  };
}

const NO_SINUSOIDS: Constants = { alpha: [], beta: [] };

function dot(a: ArrayLike<number>, b: ArrayLike<number>, bOffset = 0): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[bOffset + i];
  return s;
}

const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/**
 * Closed-form Pearson correlation of (y1, y2) for x ~ N(0, I): z_k = w_kᵀx are jointly normal with
 * variance c² and correlation p, and for u ~ N(μ, s²), E[cos u] = cos μ · e^{−s²/2}.
 *   E[f] = Σ_i sin β_i e^{−α_i²c²/2}
 *   E[z1 sin(α z2 + β)] = p c² α cos β e^{−α²c²/2}                       (Stein's lemma)
 *   E[sin(α_i z1 + β_i) sin(α_j z2 + β_j)] = ½[cos(β_i−β_j) e^{−c²(α_i²+α_j²−2pα_iα_j)/2}
 *                                            − cos(β_i+β_j) e^{−c²(α_i²+α_j²+2pα_iα_j)/2}]
 * Cov(y1, y2) = E[f(z1) f(z2)] − E[f]², Var(y_k) = the same at p = 1, plus σ².
 */
function theoreticalLabelCorrelation(c: number, p: number, k: Constants, noiseStd: number): number {
  const { alpha: a, beta: b } = k;
  const c2 = c * c;
  const mean = a.reduce((s, ai, i) => s + Math.sin(b[i]) * Math.exp((-ai * ai * c2) / 2), 0);
  const secondMoment = (q: number) => {
    let m = q * c2;
    for (let i = 0; i < a.length; i++) m += 2 * q * c2 * a[i] * Math.cos(b[i]) * Math.exp((-a[i] * a[i] * c2) / 2);
    for (let i = 0; i < a.length; i++) {
      for (let j = 0; j < a.length; j++) {
        const ss = a[i] * a[i] + a[j] * a[j];
        m += 0.5 * (Math.cos(b[i] - b[j]) * Math.exp((-c2 * (ss - 2 * q * a[i] * a[j])) / 2)
          - Math.cos(b[i] + b[j]) * Math.exp((-c2 * (ss + 2 * q * a[i] * a[j])) / 2));
      }
    }
    return m;
  };
  const cov = secondMoment(p) - mean * mean;
  const variance = secondMoment(1) - mean * mean + noiseStd * noiseStd;
  return cov / variance;
}

test('orthonormalPair: u1 ⊥ u2, both unit norm, for several dimensions and streams', () => {
  for (const dim of [2, 3, 100, 512]) {
    for (const key of ['a', 'b', 'c']) {
      const [u1, u2] = orthonormalPair(dim, stream(`${key}:${dim}`));
      assert.equal(u1.length, dim);
      assert.equal(u2.length, dim);
      assert.ok(Math.abs(norm(u1) - 1) < 1e-9, `|u1| = ${norm(u1)}`);
      assert.ok(Math.abs(norm(u2) - 1) < 1e-9, `|u2| = ${norm(u2)}`);
      assert.ok(Math.abs(dot(u1, u2)) < 1e-9, `u1·u2 = ${dot(u1, u2)}`);
    }
  }
  assert.throws(() => orthonormalPair(1, stream('x')), RangeError);
});

test('makeTaskPair: |w_k| = c and cos(w1, w2) = p', () => {
  for (const c of [0.1, 1, 2.5, 10]) {
    for (const p of [-1, -0.3, 0, 0.5, 0.9, 1]) {
      const task = makeTaskPair(config({ scale: c }), p, NO_SINUSOIDS, stream(`pair:${c}:${p}`));
      const [w1, w2] = task.weights;
      assert.equal(task.correlation, p);
      assert.ok(Math.abs(norm(w1) - c) < 1e-9 * c, `c=${c} p=${p}: |w1| = ${norm(w1)}`);
      assert.ok(Math.abs(norm(w2) - c) < 1e-9 * c, `c=${c} p=${p}: |w2| = ${norm(w2)}`);
      const cosine = dot(w1, w2) / (norm(w1) * norm(w2));
      assert.ok(Math.abs(cosine - p) < 1e-9, `c=${c} p=${p}: cos = ${cosine}`);
    }
  }
});

test('makeTaskPair: p = 1 gives w2 = w1, p = −1 gives w2 = −w1, p = 0 gives w2 = c·u2', () => {
  const s = () => stream('edge');
  const [u1, u2] = orthonormalPair(20, s());
  const w = (p: number) => makeTaskPair(config({ dim: 20, scale: 3 }), p, NO_SINUSOIDS, s()).weights;
  const [a1, a2] = w(1);
  const [b1, b2] = w(-1);
  const [c1, c2] = w(0);
  for (let i = 0; i < 20; i++) {
    assert.ok(Math.abs(a1[i] - 3 * u1[i]) < 1e-12);
    assert.ok(Math.abs(a2[i] - a1[i]) < 1e-12);
    assert.ok(Math.abs(b2[i] + b1[i]) < 1e-12);
    assert.ok(Math.abs(c1[i] - 3 * u1[i]) < 1e-12);
    assert.ok(Math.abs(c2[i] - 3 * u2[i]) < 1e-12);
  }
});

test('sampleRows: y_k = w_kᵀx + Σ_i sin(α_i·w_kᵀx + β_i), recomputed by hand (noise 0)', () => {
  const cfg = config({ dim: 7, scale: 2, sinusoids: 3, noiseStd: 0 });
  const constants: Constants = { alpha: [0.7, -2.1, 3.3], beta: [0.4, -1.2, 2.0] };
  const task = makeTaskPair(cfg, 0.3, constants, stream('formula:task'));
  const rows = sampleRows(task, cfg, 5, stream('formula:rows'));
  assert.equal(rows.n, 5);
  assert.equal(rows.x.length, 5 * 7);
  assert.equal(rows.y.length, 5 * TASKS);
  for (let r = 0; r < rows.n; r++) {
    for (let k = 0; k < TASKS; k++) {
      const z = dot(task.weights[k], rows.x, r * cfg.dim);
      const expected = z
        + Math.sin(0.7 * z + 0.4)
        + Math.sin(-2.1 * z - 1.2)
        + Math.sin(3.3 * z + 2.0);
      const got = rows.y[r * TASKS + k];
      assert.ok(Math.abs(got - expected) < 1e-6 * Math.max(1, Math.abs(expected)),
        `row ${r} task ${k + 1}: y = ${got}, by hand ${expected}`);
    }
  }
  // the labels really differ between tasks at p = 0.3 (guards against y2 = y1)
  assert.notEqual(rows.y[0], rows.y[1]);
});

test('linear, noiseless: label Pearson correlation equals p (100k rows)', () => {
  for (const p of [-0.3, 0, 0.5, 0.9, 1]) {
    const cfg = config({ dim: 20 });
    const task = makeTaskPair(cfg, p, NO_SINUSOIDS, stream(`lin:${p}:task`));
    const rho = labelPearson(sampleRows(task, cfg, 100_000, stream(`lin:${p}:rows`)));
    assert.ok(Math.abs(rho - p) < 0.01, `p=${p}: label correlation ${rho}`);
  }
});

test('theory check of the closed form: linear, noisy case reduces to p·c²/(c² + σ²)', () => {
  // guards the helper the next tests rely on
  for (const [c, p, s] of [[1, 1, 0.1], [2, 0.5, 0.5], [1, -0.3, 0]]) {
    const expected = (p * c * c) / (c * c + s * s);
    assert.ok(Math.abs(theoreticalLabelCorrelation(c, p, NO_SINUSOIDS, s) - expected) < 1e-12);
  }
  // with sinusoids at p = 1 and no noise the two labels are identical
  const k: Constants = { alpha: [1.5, -2.5, 4], beta: [0.3, 1.2, -0.7] };
  assert.ok(Math.abs(theoreticalLabelCorrelation(1.3, 1, k, 0) - 1) < 1e-12);
});

test('label correlation matches the closed form with noise and sinusoids (100k rows)', () => {
  const n = 100_000;
  const drawn = studyConstants(config({ sinusoids: 10, alphaStd: 1, betaStd: 1 }), 1);
  const highFrequency: Constants = { alpha: [1.5, -2.5, 4], beta: [0.3, 1.2, -0.7] };
  const cases: { name: string; c: number; p: number; k: Constants; noiseStd: number }[] = [
    // noise alone at p = 1: 1/(1 + σ²) = 0.990 for σ = 0.1 (σ read as a variance would give 0.9999)
    { name: 'p=1, σ=0.1, linear', c: 1, p: 1, k: NO_SINUSOIDS, noiseStd: 0.1 },
    { name: 'p=1, σ=0.5, linear', c: 1, p: 1, k: NO_SINUSOIDS, noiseStd: 0.5 },
    { name: 'p=1, σ=0.1, 10 sinusoids α,β~N(0,1)', c: 1, p: 1, k: drawn, noiseStd: 0.1 },
    { name: 'p=0.5, σ=0.1, 10 sinusoids α,β~N(0,1)', c: 1, p: 0.5, k: drawn, noiseStd: 0.1 },
    { name: 'p=0.5, σ=0.1, high-frequency sinusoids', c: 1, p: 0.5, k: highFrequency, noiseStd: 0.1 },
    { name: 'p=0.9, σ=0.1, high-frequency sinusoids, c=2', c: 2, p: 0.9, k: highFrequency, noiseStd: 0.1 },
  ];
  for (const { name, c, p, k, noiseStd } of cases) {
    const cfg = config({ dim: 20, scale: c, sinusoids: k.alpha.length, noiseStd });
    const task = makeTaskPair(cfg, p, k, stream(`theory:${name}:task`));
    const rho = labelPearson(sampleRows(task, cfg, n, stream(`theory:${name}:rows`)));
    const expected = theoreticalLabelCorrelation(c, p, k, noiseStd);
    // sampling sd of a Pearson estimate is about (1 − ρ²)/√n; allow 6 of them, at least 0.003
    const tol = Math.max(0.003, (6 * (1 - expected * expected)) / Math.sqrt(n));
    assert.ok(Math.abs(rho - expected) < tol, `${name}: label correlation ${rho}, theory ${expected} ± ${tol}`);
  }
  // the noiseless-p=1 reading of the brief: close to 1 but measurably below it
  const linear = theoreticalLabelCorrelation(1, 1, NO_SINUSOIDS, 0.1);
  assert.ok(linear > 0.98 && linear < 0.995);
});

test('the default data constants give the label correlations of the paper\'s Figure 2', () => {
  const cfg = DEFAULTS.data;
  const k = studyConstants(cfg, DEFAULTS.sweep.seed);
  // digitized from Figure 2 (±0.01): cosine p → Pearson correlation of the labels
  const figure2: [number, number][] = [[0.4, 0.06], [0.5, 0.08], [0.7, 0.14], [0.9, 0.31], [0.95, 0.45], [0.98, 0.66], [1, 1]];
  for (const [p, paper] of figure2) {
    const expected = theoreticalLabelCorrelation(cfg.scale, p, k, cfg.noiseStd);
    assert.ok(Math.abs(expected - paper) < 0.015, `p=${p}: closed form ${expected}, paper ${paper}`);
  }
  // and the generator itself, on 100k rows (d = 20: the label law does not depend on d)
  for (const p of [0.5, 0.9]) {
    const small = { ...cfg, dim: 20 };
    const task = makeTaskPair(small, p, k, stream(`fig2:${p}:task`));
    const rho = labelPearson(sampleRows(task, small, 100_000, stream(`fig2:${p}:rows`)));
    assert.ok(Math.abs(rho - theoreticalLabelCorrelation(cfg.scale, p, k, cfg.noiseStd)) < 0.01, `p=${p}: simulated ${rho}`);
  }
});

test('noise: with no sinusoids the residual y − wᵀx has std σ (within 2%), mean 0, independent across tasks', () => {
  for (const sigma of [0.1, 0.5]) {
    const cfg = config({ dim: 10, noiseStd: sigma });
    const task = makeTaskPair(cfg, 0.5, NO_SINUSOIDS, stream(`noise:${sigma}:task`));
    const n = 50_000;
    const rows = sampleRows(task, cfg, n, stream(`noise:${sigma}:rows`));
    const e: number[][] = [[], []];
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < TASKS; k++) e[k].push(rows.y[r * TASKS + k] - dot(task.weights[k], rows.x, r * cfg.dim));
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    for (let k = 0; k < TASKS; k++) {
      const m = mean(e[k]);
      const sd = Math.sqrt(e[k].reduce((a, v) => a + (v - m) ** 2, 0) / (n - 1));
      assert.ok(Math.abs(sd / sigma - 1) < 0.02, `σ=${sigma} task ${k + 1}: residual std ${sd}`);
      assert.ok(Math.abs(m) < (5 * sigma) / Math.sqrt(n), `σ=${sigma} task ${k + 1}: residual mean ${m}`);
    }
    const m0 = mean(e[0]);
    const m1 = mean(e[1]);
    const cross = e[0].reduce((a, v, i) => a + (v - m0) * (e[1][i] - m1), 0) / (n * sigma * sigma);
    assert.ok(Math.abs(cross) < 0.03, `σ=${sigma}: corr(ε1, ε2) = ${cross}`);
  }
});

test('studyConstants: fixed α, β are kept; drawn ones are reproducible, length m, scaled by their std', () => {
  const fixed = studyConstants(config({ sinusoids: 2, alpha: [1, 2], beta: [3, 4] }), 9);
  assert.deepEqual(fixed, { alpha: [1, 2], beta: [3, 4] });
  const cfg = config({ sinusoids: 10, alphaStd: 1, betaStd: 1 });
  const a = studyConstants(cfg, 7);
  assert.deepEqual(studyConstants(cfg, 7), a);
  assert.notDeepEqual(studyConstants(cfg, 8), a);
  assert.equal(a.alpha.length, 10);
  assert.equal(a.beta.length, 10);
  const scaled = studyConstants({ ...cfg, alphaStd: 3, betaStd: 0.5 }, 7);
  scaled.alpha.forEach((v, i) => assert.ok(Math.abs(v - 3 * a.alpha[i]) < 1e-12));
  scaled.beta.forEach((v, i) => assert.ok(Math.abs(v - 0.5 * a.beta[i]) < 1e-12));
});

test('determinism: the same stream key gives identical rows, a different key different rows', () => {
  const cfg = config({ dim: 12, sinusoids: 2, noiseStd: 0.1 });
  const k: Constants = { alpha: [1, -2], beta: [0.5, 0.1] };
  const task = makeTaskPair(cfg, 0.5, k, stream('det:task'));
  const a = sampleRows(task, cfg, 50, stream('det:rows:1'));
  const b = sampleRows(task, cfg, 50, stream('det:rows:1'));
  const c = sampleRows(task, cfg, 50, stream('det:rows:2'));
  assert.deepEqual(a.x, b.x);
  assert.deepEqual(a.y, b.y);
  assert.notDeepEqual(a.x, c.x);
  assert.notDeepEqual(a.y, c.y);
  // the task pair too: same key, same weights; another key, other weights
  assert.deepEqual(makeTaskPair(cfg, 0.5, k, stream('det:task')).weights, task.weights);
  assert.notDeepEqual(makeTaskPair(cfg, 0.5, k, stream('det:task:other')).weights, task.weights);
});

test('sampleRows into an existing buffer fills it exactly as a fresh draw would', () => {
  const cfg = config({ dim: 6, noiseStd: 0.2 });
  const task = makeTaskPair(cfg, 0.4, NO_SINUSOIDS, stream('into:task'));
  const fresh = sampleRows(task, cfg, 8, stream('into:rows'));
  const into: Rows = { n: 8, x: new Float32Array(8 * 6), y: new Float32Array(8 * TASKS) };
  const out = sampleRows(task, cfg, 8, stream('into:rows'), into);
  assert.equal(out, into);
  assert.deepEqual(into.x, fresh.x);
  assert.deepEqual(into.y, fresh.y);
});

test('makeRunData: the same run seed gives the same eval rows whatever the training set, batches drawn or correlation', () => {
  const k: Constants = { alpha: [1.5, -2.5], beta: [0.3, 1.2] };
  const base = config({ dim: 10, sinusoids: 2, noiseStd: 0.1, evalSize: 64 });
  const streaming = makeRunData({ ...base, trainSize: 0 }, 0.5, k, 42);
  const fixed = makeRunData({ ...base, trainSize: 300 }, 0.5, k, 42);
  assert.deepEqual(fixed.eval.x, streaming.eval.x);
  assert.deepEqual(fixed.eval.y, streaming.eval.y);
  assert.deepEqual(fixed.task.weights, streaming.task.weights);

  // drawing training batches does not move the eval set (it is drawn up front, from its own stream)
  const batch: Rows = { n: 16, x: new Float32Array(16 * 10), y: new Float32Array(16 * TASKS) };
  for (let i = 0; i < 5; i++) fixed.batches.next(batch);
  const again = makeRunData({ ...base, trainSize: 300 }, 0.5, k, 42);
  assert.deepEqual(again.eval.x, fixed.eval.x);
  assert.deepEqual(again.eval.y, fixed.eval.y);

  // another correlation: same inputs x (same stream), labels from the other w2
  const other = makeRunData({ ...base, trainSize: 300 }, 0.9, k, 42);
  assert.deepEqual(other.eval.x, fixed.eval.x);
  assert.notDeepEqual(other.eval.y, fixed.eval.y);

  // another run seed: other data
  const seed43 = makeRunData({ ...base, trainSize: 300 }, 0.5, k, 43);
  assert.notDeepEqual(seed43.eval.x, fixed.eval.x);
  assert.notDeepEqual(seed43.task.weights, fixed.task.weights);
});

test('makeRunData: eval rows are held out (no eval input appears in the training set)', () => {
  const cfg = config({ dim: 5, noiseStd: 0.1, trainSize: 200, evalSize: 200 });
  const run = makeRunData(cfg, 0.5, NO_SINUSOIDS, 7);
  const key = (x: Float32Array, r: number) => Array.from(x.subarray(r * 5, (r + 1) * 5)).join(',');
  const evalKeys = new Set(Array.from({ length: 200 }, (_, r) => key(run.eval.x, r)));
  // one epoch of batches covers the whole training set
  const batch: Rows = { n: 200, x: new Float32Array(200 * 5), y: new Float32Array(200 * TASKS) };
  run.batches.next(batch);
  const trainKeys = new Set(Array.from({ length: 200 }, (_, r) => key(batch.x, r)));
  assert.equal(trainKeys.size, 200);
  for (const t of trainKeys) assert.ok(!evalKeys.has(t), 'a training row equals an eval row');
});

test('fixedBatches: every training row exactly once per epoch, rows kept whole, a fresh order each epoch', () => {
  const n = 37;
  const dim = 3;
  // row r is recognisable: x = (r, r + 0.25, r + 0.5), y = (−r, r + 0.75)
  const train: Rows = { n, x: new Float32Array(n * dim), y: new Float32Array(n * TASKS) };
  for (let r = 0; r < n; r++) {
    train.x.set([r, r + 0.25, r + 0.5], r * dim);
    train.y.set([-r, r + 0.75], r * TASKS);
  }
  for (const batchSize of [1, 5, 37, 50]) {
    const src = fixedBatches(train, dim, stream(`batches:${batchSize}`));
    const into: Rows = { n: batchSize, x: new Float32Array(batchSize * dim), y: new Float32Array(batchSize * TASKS) };
    const seen: number[] = [];
    while (seen.length < 4 * n) {
      src.next(into);
      for (let r = 0; r < batchSize; r++) {
        const id = into.x[r * dim];
        assert.deepEqual(Array.from(into.x.subarray(r * dim, (r + 1) * dim)), [id, id + 0.25, id + 0.5]);
        assert.deepEqual(Array.from(into.y.subarray(r * TASKS, (r + 1) * TASKS)), [-id, id + 0.75]);
        seen.push(id);
      }
    }
    const epochs = [0, 1, 2, 3].map((e) => seen.slice(e * n, (e + 1) * n));
    for (const [e, ids] of epochs.entries()) {
      assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i),
        `batch ${batchSize}, epoch ${e}: not a permutation of the training rows`);
    }
    const identity = Array.from({ length: n }, (_, i) => i);
    assert.notDeepEqual(epochs[0], identity, 'first epoch is not shuffled');
    assert.notDeepEqual(epochs[1], epochs[0], 'two epochs in the same order');
  }
  // same stream, same order
  const order = (key: string) => {
    const into: Rows = { n, x: new Float32Array(n * dim), y: new Float32Array(n * TASKS) };
    fixedBatches(train, dim, stream(key)).next(into);
    return Array.from(into.y.filter((_, i) => i % 2 === 1));
  };
  assert.deepEqual(order('o'), order('o'));
  assert.notDeepEqual(order('o'), order('p'));
});

test('streaming batches (trainSize 0): each batch is fresh rows of the same task', () => {
  const cfg = config({ dim: 6, noiseStd: 0, trainSize: 0, evalSize: 4 });
  const run = makeRunData(cfg, 0.5, NO_SINUSOIDS, 3);
  const a: Rows = { n: 8, x: new Float32Array(8 * 6), y: new Float32Array(8 * TASKS) };
  const b: Rows = { n: 8, x: new Float32Array(8 * 6), y: new Float32Array(8 * TASKS) };
  run.batches.next(a);
  run.batches.next(b);
  assert.notDeepEqual(a.x, b.x);
  for (const rows of [a, b]) {
    for (let r = 0; r < rows.n; r++) {
      for (let k = 0; k < TASKS; k++) {
        const z = dot(run.task.weights[k], rows.x, r * 6);
        assert.ok(Math.abs(rows.y[r * TASKS + k] - z) < 1e-5);
      }
    }
  }
});

/** f(z) = z + Σ_i sin(α_i z + β_i): a label without its noise. */
const clean = (z: number, k: Constants) => k.alpha.reduce((y, a, i) => y + Math.sin(a * z + k.beta[i]), z);

/** ε_k of every row: the label minus f(w_kᵀx). */
function residuals(rows: Rows, task: TaskPair, k: Constants, dim: number): number[][] {
  return [0, 1].map((t) => Array.from({ length: rows.n }, (_, r) => rows.y[r * TASKS + t] - clean(dot(task.weights[t], rows.x, r * dim), k)));
}

test('paired design: every run index has one seed across models, lrs and correlations; runs differ', () => {
  const cfg = { ...DEFAULTS, train: { ...DEFAULTS.train, lr: [0.001, 0.003] }, sweep: { ...DEFAULTS.sweep, runs: 5 } };
  const seeds = new Map<number, Set<number>>();
  for (const k of allRuns(cfg)) {
    if (!seeds.has(k.run)) seeds.set(k.run, new Set());
    seeds.get(k.run)!.add(k.seed);
  }
  assert.equal(seeds.size, 5);
  for (const [run, s] of seeds) assert.deepEqual([...s], [runSeed(cfg.sweep.seed, run)], `run ${run}: seeds ${[...s]}`);
  assert.equal(new Set([...seeds.values()].map((s) => [...s][0])).size, 5);
  assert.notEqual(runSeed(1, 0), runSeed(2, 0));
});

test('paired design: run i at p = 0.5 and p = 1 shares u1, x, y1, ε1, ε2 and the batch order; only w2 and y2 move', () => {
  const k = studyConstants(DEFAULTS.data, 1);
  const seed = runSeed(1, 3);
  for (const trainSize of [0, 300]) {
    const cfg = { ...DEFAULTS.data, dim: 20, trainSize, evalSize: 2000 };
    const half = makeRunData(cfg, 0.5, k, seed);
    const one = makeRunData(cfg, 1, k, seed);
    assert.deepEqual(one.task.weights[0], half.task.weights[0]);
    assert.notDeepEqual(one.task.weights[1], half.task.weights[1]);
    // p = 1: w2 is w1 itself
    assert.deepEqual(one.task.weights[1], one.task.weights[0]);
    const batch = () => ({ n: 64, x: new Float32Array(64 * 20), y: new Float32Array(64 * TASKS) });
    const sets: [Rows, Rows][] = [[half.eval, one.eval]];
    for (let b = 0; b < 8; b++) { // 8 batches of 64 cross an epoch of the 300-row set
      const [h, o] = [batch(), batch()];
      half.batches.next(h);
      one.batches.next(o);
      sets.push([h, o]);
    }
    for (const [h, o] of sets) {
      assert.deepEqual(o.x, h.x, `trainSize ${trainSize}: inputs differ across p`);
      const y1 = (rows: Rows) => rows.y.filter((_, i) => i % TASKS === 0);
      const y2 = (rows: Rows) => rows.y.filter((_, i) => i % TASKS === 1);
      assert.deepEqual(y1(o), y1(h), `trainSize ${trainSize}: y1 differs across p`);
      assert.notDeepEqual(y2(o), y2(h));
      // the noise on y2 is the same draw at both p (up to the float32 rounding of y)
      const [, e2h] = residuals(h, half.task, k, 20);
      const [, e2o] = residuals(o, one.task, k, 20);
      e2h.forEach((e, r) => assert.ok(Math.abs(e - e2o[r]) < 1e-5, `row ${r}: ε2 ${e} at p = 0.5, ${e2o[r]} at p = 1`));
    }
  }
});

test('paired design at p = 1: y1 − y2 = ε1 − ε2, independent noise of std σ√2; ε1, ε2 uncorrelated', () => {
  const k = studyConstants(DEFAULTS.data, 1);
  const n = 50_000;
  const cfg = { ...DEFAULTS.data, dim: 20, trainSize: 0, evalSize: n };
  const run = makeRunData(cfg, 1, k, runSeed(1, 0));
  const [e1, e2] = residuals(run.eval, run.task, k, 20);
  const sigma = cfg.noiseStd;
  let mean = 0, sq = 0, cross = 0;
  for (let r = 0; r < n; r++) {
    const diff = run.eval.y[r * TASKS] - run.eval.y[r * TASKS + 1];
    assert.ok(Math.abs(diff - (e1[r] - e2[r])) < 1e-5, `row ${r}: y1 − y2 = ${diff}, ε1 − ε2 = ${e1[r] - e2[r]}`);
    mean += diff;
    sq += diff * diff;
    cross += e1[r] * e2[r];
  }
  mean /= n;
  const sd = Math.sqrt(sq / n - mean * mean);
  // sd of a sample sd is about sd/√(2n): 0.3% here; allow 2%
  assert.ok(Math.abs(sd / (sigma * Math.SQRT2) - 1) < 0.02, `sd(y1 − y2) = ${sd}, σ√2 = ${sigma * Math.SQRT2}`);
  assert.ok(Math.abs(mean) < (5 * sigma * Math.SQRT2) / Math.sqrt(n), `mean(y1 − y2) = ${mean}`);
  assert.ok(Math.abs(cross / (n * sigma * sigma)) < 5 / Math.sqrt(n), `corr(ε1, ε2) = ${cross / (n * sigma * sigma)}`);
});

test('golden values: data stream 2, run 0 of base seed 1 under the default constants', () => {
  assert.equal(DATA_STREAM_VERSION, 2);
  const seed = runSeed(1, 0);
  assert.equal(seed, 3023398030);
  assert.equal(runSeed(1, 1), 318426012);
  const cfg = { ...DEFAULTS.data, trainSize: 0, evalSize: 4 };
  const run = makeRunData(cfg, 0.5, studyConstants(cfg, 1), seed);
  assert.deepEqual(Array.from(run.task.weights[0].subarray(0, 2)), [0.026506807437076448, 0.08433049265519313]);
  assert.deepEqual(Array.from(run.eval.x.subarray(0, 3)), [1.112201452255249, -1.3571596145629883, 0.5963531732559204]);
  assert.deepEqual(Array.from(run.eval.y), [
    -1.5429880619049072, -0.8731375336647034, 0.9838281869888306, 1.0167067050933838,
    -0.542026937007904, -0.5503500699996948, 0.03208811953663826, 1.866693377494812,
  ]);
  const b: Rows = { n: 2, x: new Float32Array(2 * cfg.dim), y: new Float32Array(2 * TASKS) };
  run.batches.next(b);
  assert.deepEqual(Array.from(b.x.subarray(0, 3)), [-0.9350218176841736, -0.6878600120544434, 1.3944909572601318]);
  assert.deepEqual(Array.from(b.y), [0.08148595690727234, 1.415164828300476, 0.49976128339767456, -0.6907685995101929]);
});

test('sampleRows: rows do not depend on how they are split into calls (batches, generate\'s chunks)', () => {
  const cfg = config({ dim: 9, sinusoids: 2, noiseStd: 0.1 });
  const k: Constants = { alpha: [1, -2], beta: [0.5, 0.1] };
  const task = makeTaskPair(cfg, 0.7, k, stream('split:task'));
  const whole = sampleRows(task, cfg, 50, stream('split:rows'));
  const s = stream('split:rows');
  const parts = [7, 1, 30, 12].map((n) => sampleRows(task, cfg, n, s));
  assert.deepEqual(Array.from(whole.x), parts.flatMap((p) => Array.from(p.x)));
  assert.deepEqual(Array.from(whole.y), parts.flatMap((p) => Array.from(p.y)));
});

test('labelCorrelationCurve: trial t is the same draw at every cosine, so nearby cosines give nearly equal means', () => {
  const cfg = { ...DEFAULTS.data, dim: 20 };
  const k = studyConstants(cfg, 1);
  const [a, b] = labelCorrelationCurve(cfg, k, [0.9, 0.9001], 6, 2000, 5);
  // unpaired, the two means would differ by about √2·(1 − ρ²)/√(2000·6) ≈ 0.012; paired, by p's own effect (~3e-4)
  assert.ok(Math.abs(a.mean - b.mean) < 1e-3, `means ${a.mean} and ${b.mean}`);
  assert.ok(Math.abs(a.twoStd - b.twoStd) < 1e-3);
  const [c] = labelCorrelationCurve(cfg, k, [0.9], 6, 2000, 6);
  assert.ok(Math.abs(c.mean - a.mean) > 1e-3, 'another seed should give other trials');
});
