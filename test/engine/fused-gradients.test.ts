// The fused engine's gradients against float64 central differences of the paper's equations
// (a float64 forward written here, itself checked against src/models' tfjs forward) and
// against tfjs autodiff of src/models on the same parameters and batch.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { FusedShape, fusedArchitecture } from '../../src/engine/fused';
import { disposeParams } from '../../src/engine/params';
import { MODELS, PAPER, TINY, assertMatchesAutodiff, normalBatch, referenceLoss, referenceParams, relativeError, stackedValues } from './fused-fixture';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

type P64 = Record<string, Float64Array>;

/** Replica r's Σ_k MSE_k in float64: paper eq. 5–8 and §4.1, the same equations as src/models. */
function loss64(model: string, s: FusedShape, p: P64, x: Float32Array, y: Float32Array, R: number, n: number, r: number): number {
  const { inputDim: d, tasks: T, experts: E, expertUnits: H, towerUnits: U } = s;
  const at = (name: string, rows: number, cols: number) => (i: number, j: number) => p[name][(r * rows + i) * cols + j];
  const dense = (input: number[], name: string, inU: number, outU: number, relu: boolean) => {
    const w = at(`${name}.w`, inU, outU), b = at(`${name}.b`, 1, outU);
    return Array.from({ length: outU }, (_, j) => {
      let z = b(0, j);
      for (let i = 0; i < inU; i++) z += input[i] * w(i, j);
      return relu ? Math.max(z, 0) : z;
    });
  };
  let total = 0;
  const sse = new Array(T).fill(0);
  for (let row = 0; row < n; row++) {
    const xi = Array.from(x.subarray((r * n + row) * d, (r * n + row + 1) * d));
    const inputs: number[][] = [];
    if (model === 'shared-bottom') {
      const h = dense(xi, 'bottom', d, s.bottomUnits, true);
      for (let k = 0; k < T; k++) inputs.push(h);
    } else {
      const G = model === 'mmoe' ? T : 1;
      const experts = dense(xi, 'experts', d, E * H, true);
      const wg = at('gates.w', d, G * E);
      const mixed = Array.from({ length: G }, (_, g) => {
        const logits = Array.from({ length: E }, (_, e) => xi.reduce((a, v, i) => a + v * wg(i, g * E + e), 0));
        const m = Math.max(...logits);
        const ex = logits.map((l) => Math.exp(l - m));
        const sum = ex.reduce((a, b) => a + b, 0);
        return Array.from({ length: H }, (_, h) => ex.reduce((a, v, e) => a + (v / sum) * experts[e * H + h], 0));
      });
      for (let k = 0; k < T; k++) inputs.push(mixed[G === T ? k : 0]);
    }
    for (let k = 0; k < T; k++) {
      const t = dense(inputs[k], `tower${k + 1}.hidden`, inputs[k].length, U, true);
      const [pred] = dense(t, `tower${k + 1}.out`, U, 1, false);
      sse[k] += (pred - y[(r * n + row) * T + k]) ** 2;
    }
  }
  for (let k = 0; k < T; k++) total += sse[k] / n;
  return total;
}

for (const model of MODELS) {
  test(`${model}: fused gradients match float64 central differences and tfjs autodiff (tiny shape, R = 2)`, () => {
    const R = 2, n = 7, shape = TINY;
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
    const fusedSum = losses.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(fusedSum - loss64Sum) <= 1e-5 * loss64Sum, `fused loss ${fusedSum} vs ${loss64Sum}`);

    const eps = 1e-6;
    for (const [name, g] of Object.entries(grads)) {
      const fd = new Float64Array(g.length);
      const per = g.length / R;
      for (let i = 0; i < g.length; i++) {
        const r = Math.floor(i / per), v = p64[name][i];
        p64[name][i] = v + eps;
        const up = loss64(model, shape, p64, x, y, R, n, r);
        p64[name][i] = v - eps;
        const down = loss64(model, shape, p64, x, y, R, n, r);
        p64[name][i] = v;
        fd[i] = (up - down) / (2 * eps);
      }
      const err = relativeError(g, fd);
      assert.ok(err <= 1e-4, `${model} ${name}: relative error ${err} against central differences`);
    }
    assertMatchesAutodiff(model, shape, params, grads, x, y, R, n);
    group.dispose();
    disposeParams(params);
  });

  test(`${model}: fused gradients match tfjs autodiff at the paper's sizes (R = 3, batch 128)`, () => {
    const R = 3, n = 128, shape = PAPER;
    const params = referenceParams(model, shape, [21, 22, 23], 0.05);
    const { x, y } = normalBatch(`grad-paper:${model}`, R, n, shape);
    const group = fusedArchitecture(model)!.create(shape, stackedValues(params), R, 0.01);
    const { grads } = group.gradients(x, y, n);
    assertMatchesAutodiff(model, shape, params, grads, x, y, R, n);
    group.dispose();
    disposeParams(params);
  });
}
