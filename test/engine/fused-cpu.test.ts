// The fused engine under another tfjs backend (cpu here; tfjs-node alike): its kernels need no
// particular backend, and only the reference changes, so it is pinned to that backend's autodiff.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/engine/backend';
import { fusedArchitecture } from '../../src/engine/fused';
import { disposeParams } from '../../src/engine/params';
import { DEFAULT, MODELS, ODD, PAPER, SUCCESSORS, TINY, assertMatchesAutodiff, normalBatch, referenceParams, stackedValues } from './fused-fixture';

before(async () => {
  assert.equal(await initBackend('cpu'), 'cpu');
});

for (const model of [...MODELS, ...SUCCESSORS]) {
  test(`${model}: fused gradients on the cpu backend match tfjs autodiff (small and paper/default sizes; a batch larger than the scratch first allocated)`, () => {
    const [small, full] = MODELS.includes(model) ? [TINY, PAPER] : [ODD, DEFAULT];
    for (const [shape, n] of [[small, 7], [full, 300]] as const) {
      const params = referenceParams(model, shape, [51, 52], 0.1);
      const { x, y } = normalBatch(`cpu:${model}`, 2, n, shape);
      const group = fusedArchitecture(model)!.create(shape, stackedValues(params), 2, 0.01);
      assertMatchesAutodiff(model, shape, params, group.gradients(x, y, n).grads, x, y, 2, n);
      group.dispose();
      disposeParams(params);
    }
  });
}
