// The model zoo (paper §4–5.1 and the successors in docs/MODELS.md): parameter counts by hand,
// forward passes against a float64 reference written from the papers' equations, gradients
// against central differences, replica independence, gates, and the registry.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { stream } from '../../src/engine/random';
import { Params, disposeParams, initParams, size } from '../../src/engine/params';
import { MODEL_NAMES, ZOO, architecture } from '../../src/models/zoo';
import { Architecture, ModelShape, sized } from '../../src/models/types';
import { stitchStart } from '../../src/models/cross-stitch';
import { UsageError } from '../../src/errors';
import { assertNoLeak, onHost, useCpuBackend, values } from '../helpers/tf';

before(useCpuBackend);

/** The paper's sizes (§5.1): d = 100, bottom 113, 8 experts of 16, towers of 8, two tasks. */
const PAPER: ModelShape = { inputDim: 100, tasks: 2, bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8 };
/** Small enough for an entry-by-entry finite-difference check; the successors' sizes set apart from their defaults. */
const TINY: ModelShape = {
  inputDim: 5, tasks: 2, bottomUnits: 6, experts: 3, expertUnits: 4, towerUnits: 3,
  taskUnits: 4, cgcTaskExperts: 2, cgcSharedExperts: 1, pleTaskExperts: 1, pleSharedExperts: 2, pleLevels: 2, l2Lambda: 0.5,
};
const PAPER_MODELS = ['shared-bottom', 'omoe', 'mmoe'];

function normals(n: number, key: string, std = 1): Float32Array {
  const s = stream(key);
  return Float32Array.from({ length: n }, () => s.normal() * std);
}

/** Gates per architecture: the number the registry's models must produce. */
function gateCount(name: string, shape: ModelShape): number {
  return name === 'mmoe' || name === 'cgc' || name === 'ple' ? shape.tasks : name === 'omoe' ? 1 : 0;
}

/** What each gate weighs: omoe/mmoe all experts; cgc/ple the last level's experts (every task's own, then the shared). */
function gateWidth(name: string, s: ModelShape): number {
  const z = sized(s);
  if (name === 'cgc') return s.tasks * z.cgcTaskExperts + z.cgcSharedExperts;
  if (name === 'ple') return s.tasks * z.pleTaskExperts + z.pleSharedExperts;
  return s.experts;
}

// ---------------------------------------------------------------- float64 reference

type Host = Record<string, { v: Float64Array; shape: number[] }>;

function toHost(p: Params): Host {
  return Object.fromEntries(Object.entries(p).map(([k, t]) => [k, { v: values(t), shape: t.shape }]));
}

/** y = xW + b for replica r, W stored [R, in, out], b [R, 1, out]. */
function denseRef(h: Host, name: string, r: number, x: number[], relu: boolean): number[] {
  const W = h[`${name}.w`];
  const b = h[`${name}.b`];
  const [, nIn, nOut] = W.shape;
  const out: number[] = [];
  for (let u = 0; u < nOut; u++) {
    let z = b ? b.v[r * nOut + u] : 0;
    for (let j = 0; j < nIn; j++) z += x[j] * W.v[(r * nIn + j) * nOut + u];
    out.push(relu ? Math.max(0, z) : z);
  }
  return out;
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

function split(v: number[], n: number, H: number): number[][] {
  return Array.from({ length: n }, (_, i) => v.slice(i * H, (i + 1) * H));
}

/** Σ_i g_i e_i over experts e_i of H units. */
function weigh(g: number[], experts: number[][]): number[] {
  return experts[0].map((_, u) => g.reduce((a, gi, i) => a + gi * experts[i][u], 0));
}

/**
 * One CGC level (PLE §4.2–4.3): task k's experts and gate read taskIn[k], the shared experts and
 * shared gate read sharedIn; task k's gate weighs its own experts then the shared ones.
 * gates[k] is that gate spread over all experts (own of task 1, …, own of task T, shared).
 */
function levelRef(h: Host, prefix: string, r: number, taskIn: number[][], sharedIn: number[], T: number, own: number, nShared: number, H: number, sharedGate: boolean) {
  const gate = (group: string, x: number[]) => softmax(denseRef(h, `${prefix}gates.${group}`, r, x, false));
  const owned = taskIn.map((x, k) => split(denseRef(h, `${prefix}experts.task${k + 1}`, r, x, true), own, H));
  const shared = split(denseRef(h, `${prefix}experts.shared`, r, sharedIn, true), nShared, H);
  const all = T * own + nShared;
  const gates: number[][] = [];
  const tasks = taskIn.map((x, k) => {
    const g = gate(`task${k + 1}`, x);
    const full = new Array(all).fill(0);
    for (let i = 0; i < own; i++) full[k * own + i] = g[i];
    for (let i = 0; i < nShared; i++) full[T * own + i] = g[own + i];
    gates.push(full);
    return weigh(g, [...owned[k], ...shared]);
  });
  const sharedOut = sharedGate ? weigh(gate('shared', sharedIn), [...owned.flat(), ...shared]) : null;
  return { tasks, shared: sharedOut, gates };
}

/**
 * One row through every built-in model, in float64.
 *  Shared-Bottom (eq. 1): y_k = h^k(f(x)).
 *  OMoE (eq. 5): y_k = h^k(Σ_i g(x)_i f_i(x)), one gate g = softmax(W_g x).
 *  MMoE (eq. 6–8): y_k = h^k(Σ_i g^k(x)_i f_i(x)), g^k = softmax(W_gk x).
 *  Single-task / L2-constrained: y_k = h^k(relu(W_k x + b_k)).
 *  Cross-stitch (Misra et al., eq. 1): y_k = h^k(Σ_l α_kl relu(W_l x + b_l)), α = start + delta.
 *  CGC / PLE (Tang et al., eq. 2–6): levelRef, stacked for PLE.
 * Expert i owns columns i·H … (i+1)·H − 1 of experts.w; gate k owns columns k·E … (k+1)·E − 1 of gates.w.
 */
function referenceRow(model: string, h: Host, s: ModelShape, r: number, x: number[]): { y: number[]; gates: number[][] } {
  const tower = (k: number, input: number[]) => denseRef(h, `tower${k + 1}.out`, r, denseRef(h, `tower${k + 1}.hidden`, r, input, true), false)[0];
  const T = s.tasks;
  const z = sized(s);
  const taskLayer = (k: number) => denseRef(h, `task${k + 1}.hidden`, r, x, true);
  if (model === 'shared-bottom') {
    const bottom = denseRef(h, 'bottom', r, x, true);
    return { y: Array.from({ length: T }, (_, k) => tower(k, bottom)), gates: [] };
  }
  if (model === 'single-task' || model === 'l2-constrained') {
    return { y: Array.from({ length: T }, (_, k) => tower(k, taskLayer(k))), gates: [] };
  }
  if (model === 'cross-stitch') {
    const hs = Array.from({ length: T }, (_, k) => taskLayer(k));
    const start = stitchStart(T);
    const delta = h['stitch.delta'].v;
    const alpha = (k: number, l: number) => start[k][l] + delta[(r * T + k) * T + l];
    return { y: Array.from({ length: T }, (_, k) => tower(k, weigh(hs.map((_, l) => alpha(k, l)), hs))), gates: [] };
  }
  if (model === 'cgc' || model === 'ple') {
    const [own, nShared, levels] = model === 'cgc' ? [z.cgcTaskExperts, z.cgcSharedExperts, 1] : [z.pleTaskExperts, z.pleSharedExperts, z.pleLevels];
    let taskIn = Array.from({ length: T }, () => x);
    let sharedIn = x;
    for (let i = 0; i < levels; i++) {
      const last = i === levels - 1;
      const out = levelRef(h, model === 'cgc' ? '' : `level${i + 1}.`, r, taskIn, sharedIn, T, own, nShared, s.expertUnits, !last);
      if (last) return { y: out.tasks.map((t, k) => tower(k, t)), gates: out.gates };
      taskIn = out.tasks;
      sharedIn = out.shared!;
    }
  }
  const { experts: E, expertUnits: H, inputDim: d } = s;
  const f = split(denseRef(h, 'experts', r, x, true), E, H);
  const G = gateCount(model, s);
  const Wg = h['gates.w'];
  const gates = Array.from({ length: G }, (_, g) => softmax(Array.from({ length: E }, (_, i) => {
    let zg = 0;
    for (let j = 0; j < d; j++) zg += x[j] * Wg.v[(r * d + j) * (G * E) + g * E + i];
    return zg;
  })));
  const mixed = gates.map((g) => weigh(g, f));
  const y = Array.from({ length: T }, (_, k) => tower(k, mixed[G === 1 ? 0 : k]));
  return { y, gates };
}

// ---------------------------------------------------------------- helpers

function forwardHost(arch: Architecture, p: Params, x: tf.Tensor3D, s: ModelShape): { pred: Float64Array; gates: Float64Array | null; gateShape: number[] | null; predShape: number[] } {
  return onHost(() => {
    const out = arch.forward(p, x, s);
    return {
      pred: values(out.predictions),
      predShape: out.predictions.shape,
      gates: out.gates ? values(out.gates) : null,
      gateShape: out.gates ? out.gates.shape : null,
    };
  });
}

/** Σ over replicas and tasks of the batch MSE: the trainer's objective. */
function lossTensor(arch: Architecture, p: Params, x: tf.Tensor3D, y: tf.Tensor3D, s: ModelShape): tf.Scalar {
  return tf.sum(tf.mean(tf.squaredDifference(arch.forward(p, x, s).predictions, y), 1));
}

/** The same loss computed in float64 on the host from the float32 predictions. */
function lossHost(arch: Architecture, p: Params, x: tf.Tensor3D, y: Float32Array, s: ModelShape): number {
  const B = x.shape[1];
  const { pred } = forwardHost(arch, p, x, s);
  let loss = 0;
  for (let i = 0; i < pred.length; i++) loss += (pred[i] - y[i]) ** 2;
  return loss / B; // mean over the batch, summed over replicas and tasks
}

/** Gradients of the summed loss w.r.t. every parameter, as host arrays keyed by parameter name. */
function gradients(arch: Architecture, p: Params, x: tf.Tensor3D, y: tf.Tensor3D, s: ModelShape): Record<string, Float64Array> {
  const byVar = new Map(Object.entries(p).map(([name, v]) => [v.name, name]));
  return onHost(() => {
    const { grads } = tf.variableGrads(() => lossTensor(arch, p, x, y, s), Object.values(p));
    const out: Record<string, Float64Array> = {};
    for (const [varName, g] of Object.entries(grads)) out[byVar.get(varName)!] = values(g);
    return out;
  });
}

function setEntry(v: tf.Variable, flat: Float64Array, i: number, value: number): void {
  const a = Float32Array.from(flat);
  a[i] = value;
  tf.tidy(() => v.assign(tf.tensor(a, v.shape)));
}

/** Moves every parameter off its init (biases are zero there) so every path carries signal. */
function jitter(p: Params, key: string, std: number): void {
  for (const [name, v] of Object.entries(p)) {
    const noise = normals(v.size, `${key}:${name}`, std);
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(noise, v.shape))));
  }
}

function tinyBatch(s: ModelShape, R: number, B: number, key: string) {
  const xv = normals(R * B * s.inputDim, `${key}:x`);
  const yv = normals(R * B * s.tasks, `${key}:y`);
  return { xv, yv, x: tf.tensor3d(xv, [R, B, s.inputDim]), y: tf.tensor3d(yv, [R, B, s.tasks]) };
}

// ---------------------------------------------------------------- registry

test('registry: the paper\'s three models and the five successors, each resolving to itself', () => {
  assert.deepEqual([...MODEL_NAMES], ['shared-bottom', 'omoe', 'mmoe', 'single-task', 'cgc', 'ple', 'cross-stitch', 'l2-constrained']);
  for (const name of MODEL_NAMES) {
    const a = architecture(name);
    assert.equal(a.name, name);
    assert.equal(ZOO[name], a);
    assert.equal(typeof a.summary, 'string');
    assert.ok(a.summary.length > 0);
  }
});

test('registry: an unknown model is a UsageError naming the value and every allowed model', () => {
  for (const bad of ['nope', 'MMoE', '', 'shared_bottom']) {
    assert.throws(() => architecture(bad), (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
      assert.equal(err.value, bad);
      assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
      for (const name of MODEL_NAMES) {
        assert.ok(err.message.includes(name), `message does not name ${name}: ${err.message}`);
        assert.ok(String(err.allowed).includes(name));
      }
      return true;
    });
  }
});

// ---------------------------------------------------------------- parameter counts

test('parameter counts at the paper\'s sizes match the hand count', () => {
  const d = 100, bottom = 113, E = 8, H = 16, T = 8, tasks = 2, U = 68;
  const towersOver = (inUnits: number) => tasks * (inUnits * T + T + T * 1 + 1); // hidden w, b; out w, b
  const expected: Record<string, number> = {
    // 100·113 + 113 + 2·(113·8 + 8 + 8·1 + 1) = 11413 + 1842 = 13255
    'shared-bottom': d * bottom + bottom + towersOver(bottom),
    // experts 100·128 + 128, one gate 100·8 (no bias), towers 2·(16·8 + 8 + 8 + 1) = 12928 + 800 + 290 = 14018
    omoe: d * E * H + E * H + d * E + towersOver(H),
    // as OMoE with two gates 2·100·8 = 12928 + 1600 + 290 = 14818
    mmoe: d * E * H + E * H + tasks * d * E + towersOver(H),
    // per task 100·68 + 68, towers over 68: 2·6868 + 2·(68·8 + 8 + 8 + 1) = 13736 + 1122 = 14858
    'single-task': tasks * (d * U + U) + towersOver(U),
    'l2-constrained': tasks * (d * U + U) + towersOver(U),
    // as single-task plus the 2×2 cross-stitch unit: 14862
    'cross-stitch': tasks * (d * U + U) + tasks * tasks + towersOver(U),
    // 2·2 + 4 = 8 experts of 100·16 + 16, gates 2·100·(2 + 4), towers 290: 12928 + 1200 + 290 = 14418
    cgc: (tasks * 2 + 4) * (d * H + H) + tasks * d * (2 + 4) + towersOver(H),
    // level 1: 2·2 + 3 = 7 experts of 1616, task gates 2·100·5, shared gate 100·7 = 11312 + 1000 + 700;
    // level 2 (reads 16 units, no shared gate): 7·(16·16 + 16) + 2·16·5 = 1904 + 160; towers 290: 15366
    ple: 7 * (d * H + H) + tasks * d * 5 + d * 7 + 7 * (H * H + H) + tasks * H * 5 + towersOver(H),
  };
  assert.deepEqual({ ...expected }, {
    'shared-bottom': 13255, omoe: 14018, mmoe: 14818,
    'single-task': 14858, 'l2-constrained': 14858, 'cross-stitch': 14862, cgc: 14418, ple: 15366,
  });
  for (const name of MODEL_NAMES) {
    const specs = architecture(name).params(PAPER);
    const count = specs.reduce((a, sp) => a + size(sp.shape), 0);
    assert.equal(count, expected[name], `${name}: ${count} parameters, hand count ${expected[name]}`);
    assert.equal(new Set(specs.map((sp) => sp.name)).size, specs.length, `${name}: duplicate parameter names`);
  }
});

test('parameter specs: components, gates without bias, one tower per task', () => {
  for (const tasks of [1, 2, 3]) {
    const s = { ...PAPER, tasks };
    for (const name of MODEL_NAMES) {
      // every model: the paper's towers, named alike
      const towerCount = architecture(name).params(s).filter((sp) => sp.component === 'towers').length;
      assert.equal(towerCount, 4 * tasks, `${name}: tower parameters for ${tasks} tasks`);
    }
    for (const name of PAPER_MODELS) {
      const specs = architecture(name).params(s);
      const by = (c: string) => specs.filter((sp) => sp.component === c);
      const towerNames = by('towers').map((sp) => sp.name);
      assert.equal(towerNames.length, 4 * tasks, `${name}: tower parameters for ${tasks} tasks`);
      for (let k = 1; k <= tasks; k++) {
        for (const part of ['hidden.w', 'hidden.b', 'out.w', 'out.b']) assert.ok(towerNames.includes(`tower${k}.${part}`));
      }
      const gates = by('gates');
      if (name === 'shared-bottom') {
        assert.equal(gates.length, 0);
        assert.deepEqual(by('bottom').map((sp) => sp.shape), [[100, 113], [1, 113]]);
      } else {
        assert.deepEqual(gates.map((sp) => sp.shape), [[100, gateCount(name, s) * 8]], `${name}: gates`);
        assert.equal(gates[0].init, 'glorot');
        assert.deepEqual(by('experts').map((sp) => sp.shape), [[100, 128], [1, 128]]);
      }
    }
  }
});

test('initParams stacks replicas on a leading axis with the specs\' shapes', () => {
  for (const name of MODEL_NAMES) {
    const specs = architecture(name).params(TINY);
    const p = initParams(specs, [1, 2, 3]);
    try {
      assert.deepEqual(Object.keys(p).sort(), specs.map((sp) => sp.name).sort());
      for (const sp of specs) assert.deepEqual(p[sp.name].shape, [3, ...sp.shape]);
    } finally {
      disposeParams(p);
    }
  }
});

// initParams wraps a fresh tf.tensor in tf.variable and never disposes that tensor, so the
// variable's buffer keeps a second reference: disposeParams frees nothing (src/engine/params.ts).
test('initParams then disposeParams leaves no tensor alive', () => {
  for (const name of MODEL_NAMES) {
    assertNoLeak(() => disposeParams(initParams(architecture(name).params(TINY), [1, 2])));
  }
});

// ---------------------------------------------------------------- init

test('init: experts differ from each other, replicas differ by seed, the same seed repeats exactly', () => {
  const { inputDim: d, experts: E, expertUnits: H } = PAPER;
  const specs = architecture('mmoe').params(PAPER);
  const p = initParams(specs, [11, 12, 11]);
  const q = initParams(specs, [11]);
  try {
    const w = values(p['experts.w']); // [3, d, E·H]
    const n = d * E * H;
    const block = (r: number, e: number) => {
      const out: number[] = [];
      for (let j = 0; j < d; j++) for (let u = 0; u < H; u++) out.push(w[r * n + j * E * H + e * H + u]);
      return out;
    };
    const pearson = (a: number[], b: number[]) => {
      const ma = a.reduce((s, v) => s + v, 0) / a.length;
      const mb = b.reduce((s, v) => s + v, 0) / b.length;
      let sab = 0, saa = 0, sbb = 0;
      for (let i = 0; i < a.length; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) ** 2;
        sbb += (b[i] - mb) ** 2;
      }
      return sab / Math.sqrt(saa * sbb);
    };
    for (const r of [0, 1]) {
      for (let e = 0; e < E; e++) {
        for (let f = e + 1; f < E; f++) {
          const a = block(r, e);
          const b = block(r, f);
          assert.notDeepEqual(a, b, `replica ${r}: experts ${e} and ${f} are identical`);
          // 1600 independent entries: sd of the sample correlation ≈ 0.025
          const rho = pearson(a, b);
          assert.ok(Math.abs(rho) < 0.12, `replica ${r}: experts ${e} and ${f} correlate ${rho}`);
        }
      }
    }
    for (const name of Object.keys(p)) {
      const v = values(p[name]);
      const m = v.length / 3;
      const r0 = v.subarray(0, m), r1 = v.subarray(m, 2 * m), r2 = v.subarray(2 * m);
      assert.deepEqual(r2, r0, `${name}: seed 11 twice in one group gives different values`);
      assert.deepEqual(values(q[name]), Float64Array.from(r0), `${name}: seed 11 alone differs from seed 11 in a group`);
      const spec = specs.find((sp) => sp.name === name)!;
      if (spec.init === 'zeros') {
        assert.ok(v.every((x) => x === 0), `${name}: bias not zero at init`);
      } else {
        assert.notDeepEqual(r1, r0, `${name}: seeds 11 and 12 give the same values`);
      }
    }
  } finally {
    disposeParams(p);
    disposeParams(q);
  }
});

test('init: glorot-uniform within ±sqrt(6/(fanIn + fanOut)) and filling that range', () => {
  for (const name of MODEL_NAMES) {
    const specs = architecture(name).params(PAPER);
    const p = initParams(specs, [3, 4]);
    try {
      for (const sp of specs.filter((x) => x.init === 'glorot')) {
        const limit = Math.sqrt(6 / (sp.fanIn + sp.fanOut));
        const v = values(p[sp.name]);
        const max = v.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
        const mean = v.reduce((a, x) => a + x, 0) / v.length;
        assert.ok(max <= limit * (1 + 1e-6), `${name} ${sp.name}: |w| up to ${max} > ${limit}`);
        assert.ok(max > 0.9 * limit, `${name} ${sp.name}: |w| only up to ${max} of ${limit}`);
        assert.ok(Math.abs(mean) < (4 * limit) / Math.sqrt(3 * v.length), `${name} ${sp.name}: mean ${mean}`);
      }
    } finally {
      disposeParams(p);
    }
  }
});

// ---------------------------------------------------------------- forward

test('forward: predictions [R, B, tasks], gates [R, B, gates, experts] or null', () => {
  for (const tasks of [2, 3]) {
    const s = { ...TINY, tasks };
    for (const name of MODEL_NAMES) {
      const arch = architecture(name);
      const p = initParams(arch.params(s), [1, 2]);
      const { x, y } = tinyBatch(s, 2, 7, `shape:${name}:${tasks}`);
      try {
        const out = forwardHost(arch, p, x, s);
        assert.deepEqual(out.predShape, [2, 7, tasks], name);
        if (name === 'shared-bottom') assert.equal(out.gateShape, null);
        else if (gateCount(name, s) === 0) assert.equal(out.gateShape, null, name);
        else assert.deepEqual(out.gateShape, [2, 7, gateCount(name, s), gateWidth(name, s)], name);
        assert.ok(out.pred.every(Number.isFinite));
      } finally {
        disposeParams(p);
        x.dispose();
        y.dispose();
      }
    }
  }
});

test('forward matches a float64 reference written from the papers\' equations', () => {
  for (const [label, s] of [['tiny', TINY], ['paper', PAPER], ['three tasks', { ...TINY, tasks: 3 }]] as const) {
    for (const name of MODEL_NAMES) {
      const arch = architecture(name);
      const R = 2, B = 6;
      const p = initParams(arch.params(s), [21, 22]);
      jitter(p, `ref:${label}:${name}`, 0.1);
      const { xv, x, y } = tinyBatch(s, R, B, `ref:${label}:${name}`);
      try {
        const out = forwardHost(arch, p, x, s);
        const h = toHost(p);
        const G = gateCount(name, s);
        const W = gateWidth(name, s);
        for (let r = 0; r < R; r++) {
          for (let b = 0; b < B; b++) {
            const row = Array.from(xv.subarray((r * B + b) * s.inputDim, (r * B + b + 1) * s.inputDim));
            const ref = referenceRow(name, h, s, r, row);
            for (let k = 0; k < s.tasks; k++) {
              const got = out.pred[(r * B + b) * s.tasks + k];
              assert.ok(Math.abs(got - ref.y[k]) < 1e-5 * Math.max(1, Math.abs(ref.y[k])),
                `${label} ${name} replica ${r} row ${b} task ${k + 1}: ${got} vs reference ${ref.y[k]}`);
            }
            for (let g = 0; g < G; g++) {
              for (let e = 0; e < W; e++) {
                const got = out.gates![((r * B + b) * G + g) * W + e];
                assert.ok(Math.abs(got - ref.gates[g][e]) < 1e-6, `${label} ${name} gate ${g} expert ${e}: ${got} vs ${ref.gates[g][e]}`);
              }
            }
          }
        }
      } finally {
        disposeParams(p);
        x.dispose();
        y.dispose();
      }
    }
  }
});

test('gates: each row is a distribution over experts (sums to 1, entries in (0, 1)); MMoE gates differ per task', () => {
  for (const name of ['omoe', 'mmoe']) {
    const arch = architecture(name);
    const R = 2, B = 32;
    const p = initParams(arch.params(PAPER), [5, 6]);
    const { x, y } = tinyBatch(PAPER, R, B, `gates:${name}`);
    try {
      const out = forwardHost(arch, p, x, PAPER);
      const G = gateCount(name, PAPER);
      const E = PAPER.experts;
      assert.deepEqual(out.gateShape, [R, B, G, E]);
      const g = out.gates!;
      for (let row = 0; row < R * B * G; row++) {
        const w = g.subarray(row * E, (row + 1) * E);
        const sum = w.reduce((a, v) => a + v, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `${name} gate row ${row}: sums to ${sum}`);
        for (const v of w) assert.ok(v > 0 && v < 1, `${name} gate row ${row}: weight ${v}`);
      }
      // gates depend on x: two rows of one replica get different weights
      assert.notDeepEqual(g.subarray(0, E), g.subarray(G * E, G * E + E));
      if (name === 'mmoe') {
        // task 1's gate and task 2's gate have their own weights, so their outputs differ
        assert.notDeepEqual(g.subarray(0, E), g.subarray(E, 2 * E));
      }
    } finally {
      disposeParams(p);
      x.dispose();
      y.dispose();
    }
  }
});

test('OMoE feeds both towers the same mixture; MMoE feeds each tower its own', () => {
  // with identical towers, OMoE's two predictions coincide while MMoE's do not
  for (const name of ['omoe', 'mmoe']) {
    const arch = architecture(name);
    const p = initParams(arch.params(TINY), [8]);
    jitter(p, `same-towers:${name}`, 0.1);
    for (const part of ['hidden.w', 'hidden.b', 'out.w', 'out.b']) {
      tf.tidy(() => p[`tower2.${part}`].assign(p[`tower1.${part}`].clone()));
    }
    const { x, y } = tinyBatch(TINY, 1, 10, `same-towers:${name}`);
    try {
      const { pred } = forwardHost(arch, p, x, TINY);
      let maxGap = 0;
      for (let b = 0; b < 10; b++) maxGap = Math.max(maxGap, Math.abs(pred[2 * b] - pred[2 * b + 1]));
      if (name === 'omoe') assert.equal(maxGap, 0, 'OMoE towers saw different inputs');
      else assert.ok(maxGap > 1e-4, 'MMoE towers saw the same mixture');
    } finally {
      disposeParams(p);
      x.dispose();
      y.dispose();
    }
  }
});

// ---------------------------------------------------------------- gradients

test('gradients match central finite differences for every parameter of every model', () => {
  const R = 2, B = 4;
  const eps = 1e-2;
  for (const name of MODEL_NAMES) {
    const arch = architecture(name);
    const p = initParams(arch.params(TINY), [31, 32]);
    jitter(p, `fd:${name}`, 0.1);
    const { yv, x, y } = tinyBatch(TINY, R, B, `fd:${name}`);
    try {
      const grads = gradients(arch, p, x, y, TINY);
      assert.deepEqual(Object.keys(grads).sort(), Object.keys(p).sort(), `${name}: a parameter has no gradient`);
      const pick = stream(`fd:${name}:pick`);
      let checked = 0, nearKink = 0;
      for (const [param, v] of Object.entries(p)) {
        const flat = values(v);
        // up to 12 entries of each parameter, drawn over both replicas
        const n = flat.length;
        const idx = n <= 12 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 12 }, () => Math.floor(pick.uniform() * n));
        let largest = 0;
        for (const i of idx) {
          const fd = (h: number) => {
            const up = Math.fround(flat[i] + h), down = Math.fround(flat[i] - h);
            setEntry(v, flat, i, up);
            const lUp = lossHost(arch, p, x, yv, TINY);
            setEntry(v, flat, i, down);
            const lDown = lossHost(arch, p, x, yv, TINY);
            setEntry(v, flat, i, flat[i]);
            return (lUp - lDown) / (up - down);
          };
          const g = grads[param][i];
          const tol = (a: number, b: number) => 1e-2 * Math.max(Math.abs(a), Math.abs(b)) + 1e-4;
          // a ReLU kink within a step of this entry shows as disagreement between two step sizes;
          // a kink between eps/2 and eps leaves eps/2 and eps/4 agreeing, so try those before giving up
          let f1 = fd(eps), f2 = fd(eps / 2);
          if (Math.abs(f1 - f2) > tol(f1, f2)) [f1, f2] = [f2, fd(eps / 4)];
          if (Math.abs(f1 - f2) > tol(f1, f2)) {
            nearKink++;
            continue;
          }
          checked++;
          largest = Math.max(largest, Math.abs(g));
          assert.ok(Math.abs(g - f2) <= tol(g, f2), `${name} ${param}[${i}]: gradient ${g}, finite differences ${f2} and ${f1} (the smaller and larger of two steps agreeing)`);
        }
        // the check is not vacuous: this parameter's sampled gradients are not all zero
        assert.ok(largest > 1e-3, `${name} ${param}: sampled gradients all ≈ 0 (max ${largest})`);
      }
      assert.ok(nearKink <= Math.max(1, checked / 20), `${name}: ${nearKink} entries near a ReLU kink, ${checked} checked`);
    } finally {
      disposeParams(p);
      x.dispose();
      y.dispose();
    }
  }
});

test('replicas are independent: replica 0\'s gradient ignores replica 1\'s data, and equals its gradient trained alone', () => {
  const B = 4;
  for (const name of MODEL_NAMES) {
    const arch = architecture(name);
    const p = initParams(arch.params(TINY), [41, 42]);
    const alone = initParams(arch.params(TINY), [41]);
    jitter(p, `indep:${name}`, 0.1);
    // replica 0 of the jittered pair, as a group of one
    for (const [k, v] of Object.entries(p)) tf.tidy(() => alone[k].assign(v.slice(0, 1)));
    const a = tinyBatch(TINY, 2, B, `indep:${name}:a`);
    const b = tinyBatch(TINY, 2, B, `indep:${name}:b`);
    // same replica-0 rows, other replica-1 rows
    const xv = Float32Array.from(a.xv);
    const yv = Float32Array.from(a.yv);
    xv.set(b.xv.subarray(B * TINY.inputDim), B * TINY.inputDim);
    yv.set(b.yv.subarray(B * TINY.tasks), B * TINY.tasks);
    const x2 = tf.tensor3d(xv, [2, B, TINY.inputDim]);
    const y2 = tf.tensor3d(yv, [2, B, TINY.tasks]);
    const x1 = a.x.slice(0, 1) as tf.Tensor3D;
    const y1 = a.y.slice(0, 1) as tf.Tensor3D;
    try {
      const g1 = gradients(arch, p, a.x, a.y, TINY);
      const g2 = gradients(arch, p, x2, y2, TINY);
      const g0 = gradients(arch, alone, x1, y1, TINY);
      let replica1Moved = false;
      for (const k of Object.keys(p)) {
        const m = g1[k].length / 2;
        const r0 = g1[k].subarray(0, m);
        for (let i = 0; i < m; i++) {
          const scale = 1e-6 * Math.max(1, Math.abs(r0[i]));
          assert.ok(Math.abs(g2[k][i] - r0[i]) <= scale, `${name} ${k}[${i}]: replica 0's gradient moved with replica 1's data`);
          assert.ok(Math.abs(g0[k][i] - r0[i]) <= scale, `${name} ${k}[${i}]: replica 0 in a group ${r0[i]} vs alone ${g0[k][i]}`);
        }
        for (let i = m; i < 2 * m; i++) if (Math.abs(g2[k][i] - g1[k][i]) > 1e-6) replica1Moved = true;
      }
      assert.ok(replica1Moved, `${name}: replica 1's gradient did not change with its own data`);
    } finally {
      disposeParams(p);
      disposeParams(alone);
      for (const t of [a.x, a.y, b.x, b.y, x1, y1, x2, y2]) t.dispose();
    }
  }
});
