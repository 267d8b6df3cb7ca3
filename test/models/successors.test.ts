// The successors beyond the paper's three (docs/MODELS.md): parameter-matched to MMoE at the
// defaults, l2-constrained's penalty against its formula and finite differences, and the
// structural identities that tie them to each other (PLE of one level is CGC; cross-stitch
// with α = I is single-task; CGC's gates never weigh another task's own experts).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { stream } from '../../src/engine/random';
import { Params, disposeParams, initParams, size } from '../../src/engine/params';
import { BUILTIN_NAMES, architecture } from '../../src/models/zoo';
import { ModelShape, SUCCESSOR_DEFAULTS } from '../../src/models/types';
import { stitchStart } from '../../src/models/cross-stitch';
import { DEFAULTS } from '../../src/config/defaults';
import { onHost, useCpuBackend, values } from '../helpers/tf';

before(useCpuBackend);

const SUCCESSORS = ['single-task', 'cgc', 'ple', 'cross-stitch', 'l2-constrained'];
const DEFAULT_SHAPE: ModelShape = { ...DEFAULTS.model, inputDim: DEFAULTS.data.dim, tasks: 2 };
const TINY: ModelShape = {
  inputDim: 5, tasks: 2, bottomUnits: 6, experts: 3, expertUnits: 4, towerUnits: 3,
  taskUnits: 4, cgcTaskExperts: 2, cgcSharedExperts: 1, pleTaskExperts: 1, pleSharedExperts: 2, pleLevels: 2, l2Lambda: 0.5,
};

const count = (name: string, s: ModelShape) => architecture(name).params(s).reduce((a, sp) => a + size(sp.shape), 0);

function normals(n: number, key: string, std = 1): Float32Array {
  const s = stream(key);
  return Float32Array.from({ length: n }, () => s.normal() * std);
}

function jitter(p: Params, key: string, std: number): void {
  for (const [name, v] of Object.entries(p)) tf.tidy(() => v.assign(tf.add(v, tf.tensor(normals(v.size, `${key}:${name}`, std), v.shape))));
}

function predictions(name: string, p: Params, x: tf.Tensor3D, s: ModelShape): Float64Array {
  return onHost(() => values(architecture(name).forward(p, x, s).predictions));
}

function maxGap(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

test('every successor is in the registry, and its defaults are the config defaults', () => {
  for (const name of SUCCESSORS) assert.ok(BUILTIN_NAMES.includes(name), name);
  for (const [k, v] of Object.entries(SUCCESSOR_DEFAULTS)) assert.equal((DEFAULTS.model as unknown as Record<string, number>)[k], v, k);
});

test('at the defaults every successor has MMoE\'s parameter count within 10%', () => {
  const mmoe = count('mmoe', DEFAULT_SHAPE);
  assert.equal(mmoe, 14818);
  for (const name of SUCCESSORS) {
    const n = count(name, DEFAULT_SHAPE);
    assert.ok(Math.abs(n / mmoe - 1) <= 0.1, `${name}: ${n} parameters, ${((n / mmoe - 1) * 100).toFixed(1)}% from mmoe's ${mmoe}`);
  }
});

test('docs/MODELS.md\'s parameter table is the code\'s count at the defaults, for every built-in', () => {
  const doc = fs.readFileSync(path.resolve(__dirname, '../../../docs/MODELS.md'), 'utf8').split('## Parameter counts')[1]?.split('\n## ')[0] ?? '';
  const mmoe = count('mmoe', DEFAULT_SHAPE);
  for (const name of BUILTIN_NAMES) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`));
    assert.ok(row, `docs/MODELS.md has no table row for ${name}`);
    const cells = row.split('|').map((c) => c.trim());
    const n = count(name, DEFAULT_SHAPE);
    assert.equal(cells[2], String(n), `${name}: the table says ${cells[2]}, the code counts ${n}`);
    const pct = `${n >= mmoe ? '+' : '−'}${Math.abs((n / mmoe - 1) * 100).toFixed(1)}%`;
    assert.equal(cells[3], pct, `${name}: the table says ${cells[3]} from mmoe, the code ${pct}`);
  }
});

// ---------------------------------------------------------------- l2-constrained's penalty

test('l2-constrained penalty: λ·Σ‖θ1 − θ2‖² over every paired parameter, summed over replicas, in float64', () => {
  const arch = architecture('l2-constrained');
  const p = initParams(arch.params(TINY), [3, 4, 5]);
  try {
    jitter(p, 'penalty', 0.1);
    const got = onHost(() => arch.penalty!(p, TINY).arraySync() as number);
    let want = 0, paired = 0;
    for (const name of Object.keys(p).filter((n) => /^(task|tower)1\./.test(n))) {
      const a = values(p[name]);
      const b = values(p[name.replace(/^(task|tower)1\./, '$12.')]);
      paired++;
      for (let i = 0; i < a.length; i++) want += (a[i] - b[i]) ** 2;
    }
    assert.equal(paired, 6, 'the ReLU layer, the tower\'s hidden and output layers, weights and biases');
    want *= TINY.l2Lambda!;
    assert.ok(want > 0.1, `a vacuous check: penalty ${want}`);
    assert.ok(Math.abs(got - want) <= 1e-5 * want, `penalty ${got}, float64 ${want}`);
    // twice λ doubles it; equal networks give zero
    const doubled = onHost(() => arch.penalty!(p, { ...TINY, l2Lambda: 2 * TINY.l2Lambda! }).arraySync() as number);
    assert.ok(Math.abs(doubled - 2 * got) <= 1e-5 * got);
    for (const name of Object.keys(p).filter((n) => /^(task|tower)2\./.test(n))) tf.tidy(() => p[name].assign(p[name.replace(/^(task|tower)2\./, '$11.')]));
    assert.equal(onHost(() => arch.penalty!(p, TINY).arraySync()), 0);
  } finally {
    disposeParams(p);
  }
});

test('l2-constrained penalty: gradient 2λ(θ1 − θ2) on task 1, its negative on task 2, and central differences agree', () => {
  const arch = architecture('l2-constrained');
  const p = initParams(arch.params(TINY), [7, 8]);
  try {
    jitter(p, 'penalty-grad', 0.1);
    const byVar = new Map(Object.entries(p).map(([n, v]) => [v.name, n]));
    const grads = onHost(() => {
      const { grads } = tf.variableGrads(() => arch.penalty!(p, TINY), Object.values(p));
      return Object.fromEntries(Object.entries(grads).map(([v, g]) => [byVar.get(v)!, values(g)]));
    });
    const lambda = TINY.l2Lambda!;
    const pick = stream('penalty-grad:pick');
    for (const name of Object.keys(p).filter((n) => /^(task|tower)1\./.test(n))) {
      const other = name.replace(/^(task|tower)1\./, '$12.');
      const a = values(p[name]), b = values(p[other]);
      for (let i = 0; i < a.length; i++) {
        assert.ok(Math.abs(grads[name][i] - 2 * lambda * (a[i] - b[i])) < 1e-6, `${name}[${i}]`);
        assert.ok(Math.abs(grads[other][i] + 2 * lambda * (a[i] - b[i])) < 1e-6, `${other}[${i}]`);
      }
      // central differences on a few entries, through the tfjs penalty itself
      for (let j = 0; j < 3; j++) {
        const i = Math.floor(pick.uniform() * a.length);
        const at = (h: number) => {
          const moved = Float32Array.from(a);
          moved[i] = Math.fround(a[i] + h);
          tf.tidy(() => p[name].assign(tf.tensor(moved, p[name].shape)));
          const v = onHost(() => arch.penalty!(p, TINY).arraySync() as number);
          tf.tidy(() => p[name].assign(tf.tensor(Float32Array.from(a), p[name].shape)));
          return { v, h: moved[i] - a[i] };
        };
        const up = at(1e-2), down = at(-1e-2);
        const fd = (up.v - down.v) / (up.h - down.h);
        assert.ok(Math.abs(fd - grads[name][i]) <= 1e-2 * Math.abs(fd) + 1e-4, `${name}[${i}]: gradient ${grads[name][i]}, finite difference ${fd}`);
      }
    }
  } finally {
    disposeParams(p);
  }
});

test('l2-constrained penalty keeps the replica contract: replica 0\'s gradient ignores replica 1 and equals its own alone', () => {
  const arch = architecture('l2-constrained');
  const pair = initParams(arch.params(TINY), [11, 12]);
  const alone = initParams(arch.params(TINY), [11]);
  try {
    jitter(pair, 'penalty-replicas', 0.1);
    for (const [k, v] of Object.entries(pair)) tf.tidy(() => alone[k].assign(v.slice(0, 1)));
    const grad = (p: Params) => onHost(() => {
      const byVar = new Map(Object.entries(p).map(([n, v]) => [v.name, n]));
      const { grads } = tf.variableGrads(() => arch.penalty!(p, TINY), Object.values(p));
      return Object.fromEntries(Object.entries(grads).map(([v, g]) => [byVar.get(v)!, values(g)]));
    });
    const g2 = grad(pair), g1 = grad(alone);
    // moving replica 1 changes nothing of replica 0's gradient
    jitter(pair, 'penalty-replicas:again', 0.1);
    for (const [k, v] of Object.entries(alone)) tf.tidy(() => pair[k].assign(tf.concat([v, pair[k].slice(1, 1)])));
    const g3 = grad(pair);
    for (const k of Object.keys(alone)) {
      const m = g1[k].length;
      assert.ok(maxGap(g2[k].subarray(0, m), g1[k]) < 1e-7, `${k}: replica 0 in a pair vs alone`);
      assert.ok(maxGap(g3[k].subarray(0, m), g1[k]) < 1e-7, `${k}: replica 0 moved with replica 1`);
      assert.ok(maxGap(g3[k].subarray(m), g2[k].subarray(m)) > 1e-4, `${k}: replica 1's gradient did not follow its own parameters`);
    }
  } finally {
    disposeParams(pair);
    disposeParams(alone);
  }
});

// ---------------------------------------------------------------- structural identities

test('ple with one level is cgc: the same parameters under a level1. prefix give the same predictions and gates', () => {
  const s: ModelShape = { ...TINY, pleLevels: 1, pleTaskExperts: TINY.cgcTaskExperts, pleSharedExperts: TINY.cgcSharedExperts };
  const c = initParams(architecture('cgc').params(s), [21, 22]);
  const specs = architecture('ple').params(s);
  assert.deepEqual(specs.map((sp) => sp.name.replace(/^level1\./, '')).sort(), Object.keys(c).sort());
  const q = initParams(specs, [1, 2]);
  const x = tf.tensor3d(normals(2 * 6 * s.inputDim, 'ple-one-level:x'), [2, 6, s.inputDim]);
  try {
    jitter(c, 'ple-one-level', 0.1);
    for (const name of Object.keys(q)) tf.tidy(() => q[name].assign(c[name.replace(/^level1\./, '')]));
    const a = onHost(() => { const o = architecture('cgc').forward(c, x, s); return [values(o.predictions), values(o.gates!)]; });
    const b = onHost(() => { const o = architecture('ple').forward(q, x, s); return [values(o.predictions), values(o.gates!)]; });
    assert.equal(maxGap(a[0], b[0]), 0);
    assert.equal(maxGap(a[1], b[1]), 0);
  } finally {
    disposeParams(c);
    disposeParams(q);
    x.dispose();
  }
});

test('cross-stitch starts at α = (0.9, 0.1) and with α = I is single-task on the same parameters', () => {
  assert.deepEqual(stitchStart(2), [[0.9, 0.1], [0.1, 0.9]]);
  const cs = initParams(architecture('cross-stitch').params(TINY), [31, 32]);
  const st = initParams(architecture('single-task').params(TINY), [1, 2]);
  const x = tf.tensor3d(normals(2 * 6 * TINY.inputDim, 'stitch:x'), [2, 6, TINY.inputDim]);
  try {
    assert.deepEqual([...values(cs['stitch.delta'])], new Array(8).fill(0));
    jitter(cs, 'stitch', 0.1);
    for (const name of Object.keys(st)) tf.tidy(() => st[name].assign(cs[name]));
    const mixedIn = predictions('cross-stitch', cs, x, TINY);
    const separate = predictions('single-task', st, x, TINY);
    assert.ok(maxGap(mixedIn, separate) > 1e-3, 'a cross-stitch unit away from I should mix the tasks');
    // delta = I − start makes α the identity: no mixing
    const identity = stitchStart(2).map((row, k) => row.map((v, l) => (k === l ? 1 : 0) - v)).flat();
    tf.tidy(() => cs['stitch.delta'].assign(tf.tensor([...identity, ...identity], [2, 2, 2])));
    assert.ok(maxGap(predictions('cross-stitch', cs, x, TINY), separate) < 1e-6);
  } finally {
    disposeParams(cs);
    disposeParams(st);
    x.dispose();
  }
});

test('single-task: task 1\'s predictions ignore task 2\'s network', () => {
  const p = initParams(architecture('single-task').params(TINY), [41]);
  const x = tf.tensor3d(normals(8 * TINY.inputDim, 'single:x'), [1, 8, TINY.inputDim]);
  try {
    jitter(p, 'single', 0.1);
    const before = predictions('single-task', p, x, TINY);
    jitter(Object.fromEntries(Object.entries(p).filter(([n]) => /^(task|tower)2\./.test(n))), 'single:move', 0.5);
    const after = predictions('single-task', p, x, TINY);
    const task = (v: Float64Array, k: number) => Float64Array.from({ length: 8 }, (_, b) => v[b * 2 + k]);
    assert.equal(maxGap(task(before, 0), task(after, 0)), 0);
    assert.ok(maxGap(task(before, 1), task(after, 1)) > 1e-3);
  } finally {
    disposeParams(p);
    x.dispose();
  }
});

test('cgc and ple gates: distributions over the last level\'s experts, zero on the other tasks\' own experts', () => {
  for (const name of ['cgc', 'ple']) {
    const s = DEFAULT_SHAPE;
    const own = name === 'cgc' ? s.cgcTaskExperts! : s.pleTaskExperts!;
    const shared = name === 'cgc' ? s.cgcSharedExperts! : s.pleSharedExperts!;
    const W = 2 * own + shared;
    const p = initParams(architecture(name).params(s), [51, 52]);
    const x = tf.tensor3d(normals(2 * 16 * s.inputDim, `gates:${name}`), [2, 16, s.inputDim]);
    try {
      const { g, shape } = onHost(() => { const o = architecture(name).forward(p, x, s); return { g: values(o.gates!), shape: o.gates!.shape }; });
      assert.deepEqual(shape, [2, 16, 2, W]);
      for (let row = 0; row < 2 * 16; row++) {
        for (let k = 0; k < 2; k++) {
          const w = g.subarray((row * 2 + k) * W, (row * 2 + k + 1) * W);
          assert.ok(Math.abs(w.reduce((a, v) => a + v, 0) - 1) < 1e-5, `${name} row ${row} task ${k + 1}: sums to ${w.reduce((a, v) => a + v, 0)}`);
          for (let e = 0; e < W; e++) {
            const mine = e >= 2 * own || Math.floor(e / own) === k;
            if (mine) assert.ok(w[e] > 0 && w[e] < 1, `${name} task ${k + 1} expert ${e + 1}: ${w[e]}`);
            else assert.equal(w[e], 0, `${name} task ${k + 1} weighs task ${2 - k}'s own expert ${e + 1}`);
          }
        }
      }
    } finally {
      disposeParams(p);
      x.dispose();
    }
  }
});
