// The fused engine's gradients against float64 central differences of the paper's (and the
// successors' papers') equations (a float64 forward written here, itself checked against
// src/models' tfjs forward, penalty included) and
// against tfjs autodiff of src/models on the same parameters and batch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { FusedShape, fusedArchitecture } from '../../src/engine/fused';
import { disposeParams } from '../../src/engine/params';
import { stream } from '../../src/engine/random';
import { trainer64 } from './float64-trainer';
import { DEFAULT, MODELS, ODD, PAPER, SUCCESSORS, TINY, assertMatchesAutodiff, normalBatch, referenceLoss, referenceParams, relativeError, stackedValues } from './fused-fixture';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

type P64 = Record<string, Float64Array>;

/** Replica r's Σ_k MSE_k (+ its penalty) in float64: the same equations as src/models, one forward per row. */
function loss64(model: string, s: FusedShape, p: P64, x: Float32Array, y: Float32Array, R: number, n: number, r: number, withPenalty = true): number {
  const { inputDim: d, tasks: T, experts: E, expertUnits: H } = s;
  // replica r's [rows, cols] weights (cols from the stacked length)
  const at = (name: string, rows: number) => {
    const a = p[name], cols = a.length / (R * rows);
    return { cols, v: (i: number, j: number) => a[(r * rows + i) * cols + j] };
  };
  const dense = (input: number[], name: string, relu: boolean) => {
    const w = at(`${name}.w`, input.length), b = at(`${name}.b`, 1);
    return Array.from({ length: w.cols }, (_, j) => {
      let z = b.v(0, j);
      for (let i = 0; i < input.length; i++) z += input[i] * w.v(i, j);
      return relu ? Math.max(z, 0) : z;
    });
  };
  // eq. 8: softmax(W_g · x) over `count` columns of W_g from `from`, no bias
  const gate = (input: number[], name: string, from = 0, count?: number) => {
    const w = at(name, input.length);
    const logits = Array.from({ length: count ?? w.cols }, (_, e) => input.reduce((a, v, i) => a + v * w.v(i, from + e), 0));
    const m = Math.max(...logits);
    const ex = logits.map((l) => Math.exp(l - m));
    const sum = ex.reduce((a, b) => a + b, 0);
    return ex.map((v) => v / sum);
  };
  // eq. 7 over a list of experts (flattened [count·H] activations, concatenated)
  const mix = (g: number[], experts: number[]) => Array.from({ length: H }, (_, h) => g.reduce((a, v, e) => a + v * experts[e * H + h], 0));
  // CGC / PLE level (Tang et al. eq. 2–4, §4.3), parameter names as src/models/cgc.ts
  const level = (prefix: string, taskIn: number[][], sharedIn: number[], sharedGate: boolean) => {
    const own = taskIn.map((xi, k) => dense(xi, `${prefix}experts.task${k + 1}`, true));
    const shared = dense(sharedIn, `${prefix}experts.shared`, true);
    const tasks = taskIn.map((xi, k) => mix(gate(xi, `${prefix}gates.task${k + 1}.w`), [...own[k], ...shared]));
    return { tasks, shared: sharedGate ? mix(gate(sharedIn, `${prefix}gates.shared.w`), [...own.flat(), ...shared]) : [] };
  };
  let total = 0;
  const sse = new Array(T).fill(0);
  for (let row = 0; row < n; row++) {
    const xi = Array.from(x.subarray((r * n + row) * d, (r * n + row + 1) * d));
    let inputs: number[][] = [];
    const perTask = () => Array.from({ length: T }, (_, k) => dense(xi, `task${k + 1}.hidden`, true));
    if (model === 'shared-bottom') {
      const h = dense(xi, 'bottom', true);
      for (let k = 0; k < T; k++) inputs.push(h);
    } else if (model === 'mmoe' || model === 'omoe') {
      const G = model === 'mmoe' ? T : 1;
      const experts = dense(xi, 'experts', true);
      const mixed = Array.from({ length: G }, (_, gi) => mix(gate(xi, 'gates.w', gi * E, E), experts));
      for (let k = 0; k < T; k++) inputs.push(mixed[G === T ? k : 0]);
    } else if (model === 'single-task' || model === 'l2-constrained') {
      inputs = perTask();
    } else if (model === 'cross-stitch') {
      // Misra et al. eq. 1 with α = 0.9 on the diagonal, 0.1 shared out (src/models stitchStart) + delta
      const h = perTask(), delta = at('stitch.delta', T);
      const alpha = (k: number, l: number) => (k === l ? 0.9 : 0.1 / Math.max(1, T - 1)) + delta.v(k, l);
      inputs = h.map((_, k) => h[0].map((__, u) => h.reduce((a, hl, l) => a + alpha(k, l) * hl[u], 0)));
    } else {
      const levels = model === 'ple' ? s.pleLevels! : 1;
      let taskIn = Array.from({ length: T }, () => xi), sharedIn = xi;
      for (let i = 0; i < levels; i++) {
        const out = level(model === 'ple' ? `level${i + 1}.` : '', taskIn, sharedIn, i < levels - 1);
        taskIn = out.tasks;
        sharedIn = out.shared;
      }
      inputs = taskIn;
    }
    for (let k = 0; k < T; k++) {
      const t = dense(inputs[k], `tower${k + 1}.hidden`, true);
      const [pred] = dense(t, `tower${k + 1}.out`, false);
      sse[k] += (pred - y[(r * n + row) * T + k]) ** 2;
    }
  }
  for (let k = 0; k < T; k++) total += sse[k] / n;
  if (model === 'l2-constrained' && withPenalty) {
    // λ·Σ_{k<l} ‖θ_k − θ_l‖² over replica r's parameters in the same position
    for (const name of Object.keys(p).filter((m) => /^(task|tower)1\./.test(m))) {
      const per = p[name].length / R;
      for (let k = 1; k <= T; k++) {
        for (let l = k + 1; l <= T; l++) {
          const a = p[name.replace(/^(task|tower)1\./, `$1${k}.`)], b = p[name.replace(/^(task|tower)1\./, `$1${l}.`)];
          for (let i = r * per; i < (r + 1) * per; i++) total += s.l2Lambda! * (a[i] - b[i]) ** 2;
        }
      }
    }
  }
  return total;
}

/**
 * Each gradient tensor against float64 central differences of loss64 (replica r's coordinates
 * move replica r's loss only): relative error ≤ 1e-4 over all its coordinates, or over `sample`
 * of them drawn from a seeded stream when the shape is too large to move every one.
 */
function assertMatchesCentralDifferences(model: string, shape: FusedShape, p64: P64, grads: Record<string, Float32Array | Float64Array>,
  x: Float32Array, y: Float32Array, R: number, n: number, sample?: number): void {
  const eps = 1e-6, pick = stream(`fd:${model}`);
  for (const [name, g] of Object.entries(grads)) {
    const per = g.length / R;
    const coords = sample === undefined || sample >= g.length ? Array.from(g, (_, i) => i) : Array.from({ length: sample }, () => Math.floor(pick.uniform() * g.length));
    const fd = new Float64Array(coords.length);
    coords.forEach((i, c) => {
      const r = Math.floor(i / per), v = p64[name][i];
      p64[name][i] = v + eps;
      const up = loss64(model, shape, p64, x, y, R, n, r);
      p64[name][i] = v - eps;
      const down = loss64(model, shape, p64, x, y, R, n, r);
      p64[name][i] = v;
      fd[c] = (up - down) / (2 * eps);
    });
    const err = relativeError(coords.map((i) => g[i]), fd);
    assert.ok(err <= 1e-4, `${model} ${name}: relative error ${err} against central differences`);
  }
}

for (const model of [...MODELS, ...SUCCESSORS]) {
  const small = MODELS.includes(model) ? TINY : ODD, full = MODELS.includes(model) ? PAPER : DEFAULT;
  test(`${model}: fused gradients match float64 central differences and tfjs autodiff (${MODELS.includes(model) ? 'tiny' : 'odd, 3-task'} shape, R = 2)`, () => {
    const R = 2, n = 7, shape = small;
    const params = referenceParams(model, shape, [11, 12], 0.3);
    const initial = stackedValues(params);
    const { x, y } = normalBatch(`grad:${model}`, R, n, shape);
    const group = fusedArchitecture(model)!.create(shape, initial, R, 0.01);
    const { losses, grads } = group.gradients(x, y, n);

    // the float64 equations are src/models' forward: same loss as tfjs on the same numbers
    const p64: P64 = Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, Float64Array.from(v)]));
    const tfLoss = tf.tidy(() => referenceLoss(model, shape, params, tf.tensor3d(x, [R, n, shape.inputDim]), tf.tensor3d(y, [R, n, shape.tasks])).dataSync()[0]);
    const loss64Sum = [0, 1].reduce((a, r) => a + loss64(model, shape, p64, x, y, R, n, r), 0);
    assert.ok(Math.abs(loss64Sum - tfLoss) <= 1e-5 * Math.abs(tfLoss), `float64 loss ${loss64Sum} vs tfjs ${tfLoss}`);
    // the reported losses are the tasks' MSEs, without a penalty (as the tfjs trainer's)
    const mse64 = [0, 1].reduce((a, r) => a + loss64(model, shape, p64, x, y, R, n, r, false), 0);
    const fusedSum = losses.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(fusedSum - mse64) <= 1e-5 * mse64, `fused loss ${fusedSum} vs ${mse64}`);

    assertMatchesCentralDifferences(model, shape, p64, grads, x, y, R, n);
    assertMatchesAutodiff(model, shape, params, grads, x, y, R, n);
    // the float64 trainer the trajectory test measures both float32 engines against: the same gradients
    if (MODELS.includes(model)) assertMatchesCentralDifferences(model, shape, p64, trainer64(model, shape, initial, R, 0.01).gradients(x, y, n), x, y, R, n);
    group.dispose();
    disposeParams(params);
  });

  test(`${model}: fused gradients match tfjs autodiff and sampled central differences at the paper's sizes (successors: their defaults; R = 3, batch 128)`, () => {
    const R = 3, n = 128, shape = full;
    const params = referenceParams(model, shape, [21, 22, 23], 0.05);
    const { x, y } = normalBatch(`grad-paper:${model}`, R, n, shape);
    const group = fusedArchitecture(model)!.create(shape, stackedValues(params), R, 0.01);
    const { grads } = group.gradients(x, y, n);
    assertMatchesAutodiff(model, shape, params, grads, x, y, R, n);
    // and central differences on a few rows, at 8 coordinates of every tensor
    const few = normalBatch(`fd-paper:${model}`, R, 4, shape);
    const p64: P64 = Object.fromEntries(Object.entries(stackedValues(params)).map(([k, v]) => [k, Float64Array.from(v)]));
    assertMatchesCentralDifferences(model, shape, p64, group.gradients(few.x, few.y, 4).grads, few.x, few.y, R, 4, 8);
    group.dispose();
    disposeParams(params);
  });
}
