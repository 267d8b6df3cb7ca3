// Memory and products for the fused engines: one block of floats, on the wasm heap when the
// active backend is wasm (so XNNPACK reads and writes it in place, no copies), else on the JS heap.
import { wasmHeap } from '../wasm-matmul';

/** Below this many multiply-adds a JS loop beats an XNNPACK call (operator creation, weight packing). */
const XNN_MIN_MACS = 65536;

export interface Arena {
  /** Every float of the arena at [base, base + floats); a new view after the wasm heap grows, so re-read after products. */
  f32(): Float32Array;
  base: number;
  /** out[M,N] = a[M,K]·b[K,N]. Offsets in floats into f32(); all row-major. */
  nn(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[K,N] = a[M,K]ᵀ·b[M,N]; t: scratch of K·M floats for an explicit transpose. */
  tn(a: number, b: number, out: number, M: number, K: number, N: number, t: number): void;
  /** out[M,K] = a[M,N]·b[K,N]ᵀ; t: scratch of N·K floats for an explicit transpose. */
  nt(a: number, b: number, out: number, M: number, N: number, K: number, t: number): void;
  free(): void;
}

export function arena(floats: number): Arena {
  const heap = wasmHeap();
  // XNNPACK on wasm; any other backend (tfjs-node, cpu) gets the plain JS products: correct everywhere, fast on wasm
  if (!heap) {
    const mem = new Float32Array(floats);
    return {
      f32: () => mem, base: 0,
      nn: (a, b, o, M, K, N) => gemmNN(mem, a, b, o, M, K, N),
      tn: (a, b, o, M, K, N) => gemmTN(mem, a, b, o, M, K, N),
      nt: (a, b, o, M, N, K) => gemmNT(mem, a, b, o, M, N, K),
      free() {},
    };
  }
  const ptr = heap.malloc(floats * 4);
  if (ptr === 0) throw new Error(`fused engine: could not allocate ${floats * 4} bytes on the wasm heap`);
  const nn = (a: number, b: number, o: number, M: number, K: number, N: number) => {
    if (M * K * N < XNN_MIN_MACS) gemmNN(heap.f32(), a, b, o, M, K, N);
    else heap.matMul(a * 4, b * 4, o * 4, M, K, N);
  };
  return {
    f32: heap.f32, base: ptr >> 2, nn,
    tn(a, b, o, M, K, N, t) {
      if (M * K * N < XNN_MIN_MACS) return gemmTN(heap.f32(), a, b, o, M, K, N);
      transpose(heap.f32(), a, t, M, K);
      heap.matMul(t * 4, b * 4, o * 4, K, M, N);
    },
    nt(a, b, o, M, N, K, t) {
      if (M * K * N < XNN_MIN_MACS) return gemmNT(heap.f32(), a, b, o, M, N, K);
      transpose(heap.f32(), b, t, K, N);
      heap.matMul(a * 4, t * 4, o * 4, M, N, K);
    },
    free: () => heap.free(ptr),
  };
}

/** t[cols, rows] = a[rows, cols]ᵀ */
export function transpose(F: Float32Array, a: number, t: number, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const ai = a + i * cols;
    for (let j = 0, tj = t + i; j < cols; j++, tj += rows) F[tj] = F[ai + j];
  }
}

// Plain products, rows of the output accumulated as axpys; a zero (a ReLU's) skips its row of b.
export function gemmNN(F: Float32Array, a: number, b: number, o: number, M: number, K: number, N: number): void {
  for (let i = 0; i < M; i++) {
    const oi = o + i * N, ai = a + i * K;
    for (let j = 0; j < N; j++) F[oi + j] = 0;
    for (let k = 0; k < K; k++) {
      const v = F[ai + k];
      if (v === 0) continue;
      const bk = b + k * N;
      for (let j = 0; j < N; j++) F[oi + j] += v * F[bk + j];
    }
  }
}

export function gemmTN(F: Float32Array, a: number, b: number, o: number, M: number, K: number, N: number): void {
  F.fill(0, o, o + K * N);
  for (let m = 0; m < M; m++) {
    const am = a + m * K, bm = b + m * N;
    for (let k = 0; k < K; k++) {
      const v = F[am + k];
      if (v === 0) continue;
      const ok = o + k * N;
      for (let j = 0; j < N; j++) F[ok + j] += v * F[bm + j];
    }
  }
}

export function gemmNT(F: Float32Array, a: number, b: number, o: number, M: number, N: number, K: number): void {
  for (let i = 0; i < M; i++) {
    const ai = a + i * N, oi = o + i * K;
    for (let k = 0; k < K; k++) {
      const bk = b + k * N;
      let s = 0;
      for (let j = 0; j < N; j++) s += F[ai + j] * F[bk + j];
      F[oi + k] = s;
    }
  }
}
