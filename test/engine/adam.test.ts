// The engine's Adam: its host loop and tf.train.adam give the same bits, on wasm and on cpu,
// so the form chosen for a group's size never changes a run's trajectory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { adam } from '../../src/engine/adam';
import { disposeParams, initParams } from '../../src/engine/params';
import { architecture } from '../../src/models/zoo';
import { ModelShape } from '../../src/models/types';
import { stream } from '../../src/engine/random';

const SHAPE: ModelShape = { inputDim: 12, tasks: 2, bottomUnits: 7, experts: 3, expertUnits: 5, towerUnits: 4 };

for (const backend of ['wasm', 'cpu'] as const) {
  test(`adam (${backend}): the host loop equals tf.train.adam bit for bit over 300 steps, under a changing learning rate`, async () => {
    assert.equal(await initBackend(backend), backend);
    const specs = architecture('mmoe').params(SHAPE);
    const host = initParams(specs, [1, 2, 3]);
    const kernels = initParams(specs, [1, 2, 3]);
    const a = adam(host, 0.01, true);
    const b = adam(kernels, 0.01, false);
    const initial = Array.from(host['experts.w'].dataSync());
    const s = stream(`adam:${backend}`);
    try {
      for (let step = 0; step < 300; step++) {
        // a schedule's rates: the cosine of src/train/schedule.ts over the 300 steps
        const lr = 0.01 * 0.5 * (1 + Math.cos((Math.PI * step) / 300));
        a.setLearningRate(lr);
        b.setLearningRate(lr);
        tf.tidy(() => {
          // gradients of a few scales, including zeros, as training produces them
          const grads = Object.fromEntries(Object.entries(host).map(([name, v]) => {
            const scale = [0, 1e-4, 0.1, 3][step % 4];
            return [name, tf.tensor(Float32Array.from({ length: v.size }, () => s.normal() * scale), v.shape)];
          }));
          a.apply(grads);
          b.apply(grads);
        });
      }
      for (const name of Object.keys(host)) {
        assert.deepEqual(Array.from(host[name].dataSync()), Array.from(kernels[name].dataSync()), name);
      }
      assert.notDeepEqual(Array.from(host['experts.w'].dataSync()), initial, 'the parameters moved');
    } finally {
      a.dispose();
      b.dispose();
      disposeParams(host);
      disposeParams(kernels);
    }
  });
}

test('adam: a learning rate of 0 leaves every parameter as it was, in both forms', async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
  const specs = architecture('mmoe').params(SHAPE);
  for (const host of [true, false]) {
    const params = initParams(specs, [4]);
    const before = Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Array.from(v.dataSync())]));
    const opt = adam(params, 0.01, host);
    opt.setLearningRate(0);
    tf.tidy(() => opt.apply(Object.fromEntries(Object.entries(params).map(([n, v]) => [n, tf.onesLike(v)]))));
    for (const [n, v] of Object.entries(params)) assert.deepEqual(Array.from(v.dataSync()), before[n], `${n} (host ${host})`);
    opt.setLearningRate(0.01);
    tf.tidy(() => opt.apply(Object.fromEntries(Object.entries(params).map(([n, v]) => [n, tf.onesLike(v)]))));
    // Adam's first step moves every parameter by lr·g/(|g| + ε) = lr against the gradient
    const moved = Array.from(params['experts.w'].dataSync());
    moved.forEach((v, i) => assert.ok(Math.abs(before['experts.w'][i] - v - 0.01) < 1e-6, `host ${host}: step ${before['experts.w'][i] - v}`));
    opt.dispose();
    disposeParams(params);
  }
});
