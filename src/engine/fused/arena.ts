// Memory, products and SIMD kernels for the fused engines: one block of floats in a wasm memory
// of the engine's own, where kernels.c's passes and products read and write it in place.
//
// The products are kernels.c's gemm, not XNNPACK: through tfjs-backend-wasm every XNNPACK call
// creates an operator and packs its weights, about half the time of a [128,100]·[100,144]
// product; the plain register-tiled kernel sums in the same order (same bits) in half the time,
// and needs no particular tfjs backend, so the engine runs the same on wasm, tfjs-node and cpu.
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

/** kernels.c's exports; every pointer a byte offset. */
export interface Kernels {
  gemm(a: number, b: number, o: number, M: number, K: number, N: number, ta: number): void;
  bias_relu(z: number, stride: number, b: number, cols: number, n: number): void;
  relu_bwd(z: number, dz: number, stride: number, cols: number, n: number, db: number): void;
  mix_fwd(z: number, N1: number, A: number, E: number, H: number, G: number, n: number, mix: number): void;
  mix_bwd(z: number, dz: number, N1: number, A: number, E: number, H: number, G: number, n: number, dmix: number): void;
  adam(p: number, g: number, m: number, v: number, n: number, b1: number, b2: number, c1: number, c2: number, om1: number, om2: number, eps: number, negLr: number): void;
  transpose(a: number, t: number, rows: number, cols: number): void;
  softmax(z: number, N1: number, A: number, E: number, G: number, n: number): void;
  tower_out(t1: number, n: number, U: number, J: number, wob: number, y: number, T: number, k0: number,
    sse: number, backward: number, dt1: number, gwob: number, gbh: number): void;
  gmix_fwd(g: number, gs: number, x: number, xs: number, J: number, H: number, n: number, m: number, acc: number): void;
  gmix_bwd(g: number, dg: number, gs: number, x: number, dx: number, xs: number, J: number, H: number, n: number, dm: number): void;
  softmax_bwd(z: number, dz: number, stride: number, E: number, G: number, n: number): void;
  axpy(o: number, x: number, a: number, n: number, acc: number): void;
  dot(a: number, b: number, n: number): number;
}

let compiled: WebAssembly.Module | null = null;

export interface Arena {
  /** Every float of the arena, offsets [0, floats). */
  f32(): Float32Array;
  kernels: Kernels;
  /** out[M,N] = a[M,K]·b[K,N]. Offsets in floats; all row-major. */
  nn(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[K,N] = a[M,K]ᵀ·b[M,N]. */
  tn(a: number, b: number, out: number, M: number, K: number, N: number): void;
  /** out[M,K] = a[M,N]·b[K,N]ᵀ; t: scratch of N·K floats for b's transpose. */
  nt(a: number, b: number, out: number, M: number, N: number, K: number, t: number): void;
}

export function arena(floats: number): Arena {
  const memory = new WebAssembly.Memory({ initial: Math.ceil((floats * 4) / 65536) + 1 });
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM, 'base64'));
  const k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as Kernels;
  const mem = new Float32Array(memory.buffer);
  return {
    f32: () => mem,
    kernels: k,
    nn: (a, b, o, M, K, N) => k.gemm(a * 4, b * 4, o * 4, M, K, N, 0),
    tn: (a, b, o, M, K, N) => k.gemm(a * 4, b * 4, o * 4, K, M, N, 1),
    nt(a, b, o, M, N, K, t) {
      k.transpose(b * 4, t * 4, K, N);
      k.gemm(a * 4, t * 4, o * 4, M, N, K, 0);
    },
  };
}
