// kernels.c against float64 references: the products (every tile and tail, both layouts of a)
// and the softmax with its own exp, which the engine's gradient tests see only through the models.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arena } from '../../src/engine/fused/arena';
import { stream } from '../../src/engine/random';

test('gemm matches a float64 product for tiles, row and column tails, a and aᵀ', () => {
  const s = stream('kernels:gemm');
  for (const [M, K, N] of [[128, 100, 144], [7, 5, 18], [9, 13, 113], [1, 3, 1], [6, 16, 12], [128, 16, 8]]) {
    for (const ta of [0, 1]) {
      const mem = arena(M * K + K * N + M * N + 64);
      const F = mem.f32();
      const a = 0, b = M * K, o = b + K * N;
      for (let i = 0; i < o; i++) F[i] = s.normal();
      if (ta) mem.tn(a, b, o, K, M, N); // a as [K, M]: out = aᵀ·b
      else mem.nn(a, b, o, M, K, N);
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let ref = 0, mag = 0;
          for (let k = 0; k < K; k++) {
            const av = ta ? F[a + k * M + i] : F[a + i * K + k];
            ref += av * F[b + k * N + j];
            mag += Math.abs(av * F[b + k * N + j]);
          }
          assert.ok(Math.abs(F[o + i * N + j] - ref) <= 1e-6 * mag + 1e-30, `[${M},${K},${N}] ta=${ta} (${i},${j}): ${F[o + i * N + j]} vs ${ref}`);
        }
      }
    }
  }
});

test('softmax (with its own exp) matches float64 within 1e-6 relative, for vector and scalar widths', () => {
  const s = stream('kernels:softmax');
  for (const E of [8, 3, 5]) {
    const G = 2, A = 4, N1 = A + G * E, n = 50;
    const mem = arena(n * N1);
    const F = mem.f32();
    for (let i = 0; i < n * N1; i++) F[i] = s.normal() * (i % 7 === 0 ? 40 : 3); // some gates near one-hot
    const before = Float64Array.from(F.subarray(0, n * N1));
    mem.kernels.softmax(0, N1, A, E, G, n);
    for (let b = 0; b < n; b++) {
      for (let g = 0; g < G; g++) {
        const l = b * N1 + A + g * E;
        const max = Math.max(...before.subarray(l, l + E));
        const ex = Array.from(before.subarray(l, l + E), (v) => Math.exp(Math.fround(v - max))); // x − max in float32, as tfjs and the kernel
        const sum = ex.reduce((p, v) => p + v, 0);
        ex.forEach((v, e) => {
          const ref = v / sum;
          assert.ok(Math.abs(F[l + e] - ref) <= 1e-6 * ref + 1e-37, `E=${E} row ${b} gate ${g} expert ${e}: ${F[l + e]} vs ${ref}`);
        });
      }
      assert.deepEqual(F.subarray(b * N1, b * N1 + A), Float32Array.from(before.subarray(b * N1, b * N1 + A)), 'columns before A untouched');
    }
  }
});

// the committed wasm is kernels.c compiled (needs clang with the wasm32 target; skipped without)
const clang = process.env.CLANG || 'clang-14';
const hasClang = spawnSync(clang, ['--version']).status === 0;
test('kernels-wasm.ts is what kernels.c compiles to', { skip: hasClang ? false : `${clang} not installed` }, () => {
  const script = path.join(__dirname, '..', '..', '..', 'src', 'engine', 'fused', 'build-kernels.js');
  const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stdout + run.stderr);
});
