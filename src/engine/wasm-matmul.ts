// A faster BatchMatMul for the wasm backend, installed over tfjs-backend-wasm's own.
//
// tfjs-backend-wasm 4.22 sends a matmul to XNNPACK only when it has no transpose and a batch
// of 1 (src/cc/batch_mat_mul_impl.cc); everything else — the transposed products of every
// backward pass, and any replica batch R > 1 — runs a scalar triple loop at ~0.5 GFLOP/s.
// This kernel keeps XNNPACK for all of them: it makes the transposed operand explicit (one
// Transpose over the whole batch) and calls the wasm module's own BatchMatMul once per batch
// slice, each slice registered as a zero-copy view into the operand's buffer. The arithmetic
// is XNNPACK's for every replica, so a replica computes the same numbers in a group as alone.
// Tiny products (the per-row gate × expert mixture) stay on the original kernel: a call per
// slice would cost more than the loop.
import * as tf from '@tensorflow/tfjs';

interface TensorInfo {
  dataId: object;
  shape: number[];
  dtype: string;
}

interface WasmModule {
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _BatchMatMul(aId: number, aShape: number, aRank: number, bId: number, bShape: number, bRank: number,
    transposeA: number, transposeB: number, outId: number): void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
}

interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } };
  makeOutput(shape: number[], dtype: string): TensorInfo;
  disposeData(dataId: object): void;
}

type KernelArgs = { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: Record<string, unknown> };
type Kernel = (args: KernelArgs) => TensorInfo;

/** Below this many multiply-adds per slice the original loop beats a call per slice. */
const MIN_SLICE_MACS = 4096;

let installed = false;

/** Replaces the wasm backend's BatchMatMul kernel (once per process); false when wasm is not registered. */
export function installWasmMatMul(): boolean {
  if (installed) return true;
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!original || !transposeKernel) return false;
  const slowPath = original.kernelFunc as unknown as Kernel;
  const transpose = transposeKernel.kernelFunc as unknown as Kernel;
  let shapes = 0; // two int32 triples on the wasm heap, allocated on first use

  const kernelFunc: Kernel = (args) => {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const transposeA = attrs.transposeA as boolean;
    const transposeB = attrs.transposeB as boolean;
    const ra = a.shape.length, rb = b.shape.length;
    const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    const batch = Math.max(batchA, batchB);
    const outBatchShape = (batchA >= batchB ? a.shape : b.shape).slice(0, -2);
    const sameBatch = batchA === batchB || batchA === 1 || batchB === 1;
    if (a.dtype !== 'float32' || !sameBatch) return slowPath(args);
    if (M * K * N < MIN_SLICE_MACS) {
      // The original kernel loops unless it sees one untransposed product, which it hands to
      // XNNPACK (another summation order). Give that case a transposed b too, so a slice's
      // result never depends on how many replicas share the call.
      if (batch > 1 || transposeA || transposeB) return slowPath(args);
      const bT = transpose({ inputs: { x: { ...b, shape: [1, K, N] } }, backend, attrs: { perm: [0, 2, 1] } });
      const out = slowPath({ inputs: { a, b: { ...bT, shape: [...b.shape.slice(0, -2), N, K] } }, backend, attrs: { transposeA: false, transposeB: true } });
      backend.disposeData(bT.dataId);
      return out;
    }
    // operands as [batch, M, K] and [batch, K, N], row-major
    const aRows = transposeA
      ? transpose({ inputs: { x: { ...a, shape: [batchA, K, M] } }, backend, attrs: { perm: [0, 2, 1] } })
      : a;
    const bRows = transposeB
      ? transpose({ inputs: { x: { ...b, shape: [batchB, N, K] } }, backend, attrs: { perm: [0, 2, 1] } })
      : b;
    const out = backend.makeOutput([...outBatchShape, M, N], 'float32');
    const wasm = backend.wasm;
    if (shapes === 0) shapes = wasm._malloc(24);
    const heap = wasm.HEAP32;
    heap.set([1, M, K], shapes >> 2);
    heap.set([1, K, N], (shapes >> 2) + 3);
    const aOff = backend.dataIdMap.get(aRows.dataId).memoryOffset;
    const bOff = backend.dataIdMap.get(bRows.dataId).memoryOffset;
    const oOff = backend.dataIdMap.get(out.dataId).memoryOffset;
    for (let r = 0; r < batch; r++) {
      // zero-copy views of slice r, registered under fresh ids and forgotten after the call
      const aId = backend.dataIdNextNumber++;
      const bId = backend.dataIdNextNumber++;
      const oId = backend.dataIdNextNumber++;
      wasm.tfjs.registerTensor(aId, M * K, aOff + (batchA > 1 ? r * M * K * 4 : 0));
      wasm.tfjs.registerTensor(bId, K * N, bOff + (batchB > 1 ? r * K * N * 4 : 0));
      wasm.tfjs.registerTensor(oId, M * N, oOff + r * M * N * 4);
      wasm._BatchMatMul(aId, shapes, 3, bId, shapes + 12, 3, 0, 0, oId);
      wasm.tfjs.disposeData(aId);
      wasm.tfjs.disposeData(bId);
      wasm.tfjs.disposeData(oId);
    }
    if (aRows !== a) backend.disposeData(aRows.dataId);
    if (bRows !== b) backend.disposeData(bRows.dataId);
    return out;
  };

  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ kernelName: 'BatchMatMul', backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  installed = true;
  return true;
}
