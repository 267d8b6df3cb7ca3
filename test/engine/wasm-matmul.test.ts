// The engine's BatchMatMul for the wasm backend: every shape and transpose the models and their
// gradients use, against a float64 reference, and a batch slice equal to the same product alone.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { stream } from '../../src/engine/random';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

function normals(shape: number[], key: string): tf.Tensor {
  const s = stream(key);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => s.normal()), shape);
}

/** out[r] = op(a[r]) · op(b[r]) in float64, a batch of 1 broadcast. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): { v: Float64Array; shape: number[] } {
  const [ba, ar, ac] = a.shape, [bb, br, bc] = b.shape;
  const M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  const batch = Math.max(ba, bb);
  const av = a.dataSync(), bv = b.dataSync();
  const v = new Float64Array(batch * M * N);
  for (let r = 0; r < batch; r++) {
    const a0 = ba > 1 ? r * ar * ac : 0, b0 = bb > 1 ? r * br * bc : 0;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += av[a0 + (ta ? k * ac + i : i * ac + k)] * bv[b0 + (tb ? j * bc + k : k * bc + j)];
        v[(r * M + i) * N + j] = s;
      }
    }
  }
  return { v, shape: [batch, M, N] };
}

// [a shape, b shape] before transposes, as the models produce them: experts, gates, towers, the mixture
const CASES: [number[], number[]][] = [
  [[3, 128, 100], [3, 100, 128]],
  [[3, 64, 100], [3, 100, 16]],
  [[3, 64, 16], [3, 16, 8]],
  [[3, 64, 8], [3, 8, 1]],
  [[96, 2, 8], [96, 8, 16]],
  [[1, 128, 100], [1, 100, 113]],
  [[1, 50, 30], [4, 30, 40]],
];

test('wasm BatchMatMul matches a float64 reference for every transpose, tiny and large slices', () => {
  for (const [sa, sb] of CASES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = normals(ta ? [sa[0], sa[2], sa[1]] : sa, `a:${sa}:${ta}`);
        const b = normals(tb ? [sb[0], sb[2], sb[1]] : sb, `b:${sb}:${tb}`);
        const out = tf.matMul(a, b, ta, tb);
        const ref = reference(a, b, ta, tb);
        assert.deepEqual(out.shape, ref.shape);
        const got = out.dataSync();
        const K = sa[2];
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i] - ref.v[i]) <= 1e-5 * Math.sqrt(K) * (1 + Math.abs(ref.v[i])), `${sa}·${sb} ta=${ta} tb=${tb} [${i}]: ${got[i]} vs ${ref.v[i]}`);
        }
        tf.dispose([a, b, out]);
      }
    }
  }
});

test('wasm BatchMatMul: slice r of a batch is bit-identical to the same product alone', () => {
  for (const [sa, sb] of CASES.filter(([sa, sb]) => sa[0] === sb[0])) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        tf.tidy(() => {
          const a = normals(ta ? [sa[0], sa[2], sa[1]] : sa, `a:${sa}:${ta}`);
          const b = normals(tb ? [sb[0], sb[2], sb[1]] : sb, `b:${sb}:${tb}`);
          const all = tf.matMul(a, b, ta, tb);
          for (const r of [0, sa[0] - 1]) {
            const alone = tf.matMul(a.slice(r, 1), b.slice(r, 1), ta, tb).dataSync();
            const inBatch = all.slice(r, 1).dataSync();
            assert.deepEqual(Array.from(inBatch), Array.from(alone), `${sa}·${sb} ta=${ta} tb=${tb} slice ${r}`);
          }
        });
      }
    }
  }
});

test('wasm BatchMatMul leaves no tensor behind and keeps the wasm heap steady', () => {
  const a = normals([4, 64, 100], 'leak:a');
  const b = normals([4, 64, 128], 'leak:b');
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tf.matMul(a, b, true, false).dispose();
  assert.equal(tf.memory().numTensors, before);
  const bytes = tf.memory().numBytes;
  for (let i = 0; i < 50; i++) tf.matMul(a, b, true, false).dispose();
  assert.equal(tf.memory().numBytes, bytes);
  tf.dispose([a, b]);
});
