// Shared by the model tests: one backend per test process, and small readers for tensors.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';

/** The pure-JS cpu backend: deterministic, always installed, no native build needed. */
export async function useCpuBackend(): Promise<void> {
  const name = await initBackend('cpu');
  if (name !== 'cpu') throw new Error(`expected the cpu backend, got ${name}`);
}

/** A tensor's values as a plain float64 array (reads synchronously; the tensor is not disposed). */
export function values(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/** Fails with a message naming the tensors still alive after `fn`: catches a missing tf.tidy. */
export function assertNoLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors left alive`);
  return out;
}

/** tf.tidy for host results: every tensor made inside `fn` is disposed, the plain value returned. */
export function onHost<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}
