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
  test(`adam (${backend}): the host loop equals tf.train.adam bit for bit over 300 steps`, async () => {
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
