// Memory, products and SIMD kernels for the fused engines: one block of floats, on the wasm
// heap when the active backend is wasm (so XNNPACK and the kernels read and write it in place,
// no copies), else in a wasm memory of its own (any other backend: plain JS products).
import { wasmHeap } from '../wasm-matmul';
import { KERNELS_WASM } from './kernels-wasm';

// The WebAssembly globals used here (Node has them; the project's lib settings do not declare them)
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number });
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: object);
    readonly exports: object;
  }
}

/** Below this many multiply-adds a JS loop beats an XNNPACK call (operator creation, weight packing). */
const XNN_MIN_MACS = 8192;

/** kernels.c's exports; every pointer a byte offset. */
export interface Kernels {
  bias_relu(z: number, stride: number, b: number, cols: number, n: number): void;
  relu_bwd(z: number, dz: number, stride: number, cols: number, n: number, db: number): void;
  mix_fwd(z: number, N1: number, A: number, E: number, H: number, G: number, n: number, mix: number): void;
  mix_bwd(z: number, dz: number, N1: number, A: number, E: number, H: number, G: number, n: number, dmix: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, b1: number, b2: number, c1: number, c2: number, om1: number, om2: number, eps: number, negLr: number): void;
  transpose(a: number, t: number, rows: number, cols: number): void;
}

const instances = new WeakMap<object, Kernels>();
function kernelsOn(memory: object): Kernels {
  let k = instances.get(memory);
  if (!k) {
    const module = new WebAssembly.Module(Buffer.from(KERNELS_WASM, 'base64'));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Kernels;
    instances.set(memory, k);
  }
  return k;
}

export interface Arena {
  /** Every float of the arena at [base, base + floats); a new view after the wasm heap grows, so re-read after products. */
  f32(): Float32Array;
  base: number;
  kernels: Kernels;
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
  // XNNPACK on wasm; any other backend (tfjs-node, cpu) gets plain JS products: correct everywhere, fast on wasm
  if (!heap) {
    const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536) + 2 });
    const mem = new Float32Array(memory.buffer);
    return {
      f32: () => mem, base: 0, kernels: kernelsOn(memory),
      nn: (a, b, o, M, K, N) => gemmNN(mem, a, b, o, M, K, N),
      tn: (a, b, o, M, K, N) => gemmTN(mem, a, b, o, M, K, N),
      nt: (a, b, o, M, N, K) => gemmNT(mem, a, b, o, M, N, K),
      free() {},
    };
  }
  const ptr = heap.malloc(floats * 4);
  if (ptr === 0) throw new Error(`fused engine: could not allocate ${floats * 4} bytes on the wasm heap`);
  const kernels = kernelsOn(heap.memory);
  return {
    f32: heap.f32, base: ptr >> 2, kernels,
    nn(a, b, o, M, K, N) {
      if (M * K * N < XNN_MIN_MACS) return gemmNN(heap.f32(), a, b, o, M, K, N);
      heap.matMul(a * 4, b * 4, o * 4, M, K, N);
    },
    tn(a, b, o, M, K, N, t) {
      if (M * K * N < XNN_MIN_MACS) return gemmTN(heap.f32(), a, b, o, M, K, N);
      kernels.transpose(a * 4, t * 4, M, K);
      heap.matMul(t * 4, b * 4, o * 4, K, M, N);
    },
    nt(a, b, o, M, N, K, t) {
      if (M * K * N < XNN_MIN_MACS) return gemmNT(heap.f32(), a, b, o, M, N, K);
      kernels.transpose(b * 4, t * 4, K, N);
      heap.matMul(a * 4, t * 4, o * 4, M, N, K);
    },
    free: () => heap.free(ptr),
  };
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
