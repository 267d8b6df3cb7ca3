// The TensorFlow.js backend is chosen once per process, at start-up (tfjs-examples' pattern).
import * as tf from '@tensorflow/tfjs';
import { installWasmMatMul } from './wasm-matmul';

export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];
export type Backend = Exclude<BackendChoice, 'auto'>;

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

// Each loader registers its backend with tfjs-core; false when the package is missing or fails to load.
const loaders: Record<Backend, () => boolean> = {
  tensorflow: () => tryRequire('@tensorflow/tfjs-node'),
  wasm: () => tryRequire('@tensorflow/tfjs-backend-wasm'),
  cpu: () => true, // bundled with @tensorflow/tfjs
};

async function activate(name: Backend): Promise<boolean> {
  if (!loaders[name]()) return false;
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** tfjs-node when it loads, else wasm, else the pure-JS cpu backend; an explicit choice must load or it fails. */
export async function initBackend(choice: BackendChoice): Promise<Backend> {
  const order: Backend[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const name of order) {
    if (await activate(name)) {
      await tf.ready();
      // the cpu backend greets Node users with an install hint on first use: noise in a CLI's stderr
      if (name === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      // XNNPACK for every matmul, not only untransposed single ones (src/engine/wasm-matmul.ts)
      if (name === 'wasm') installWasmMatMul();
      return name;
    }
  }
  throw new Error(`backend ${choice} could not be loaded`);
}

export function versions(): Record<string, string> {
  const v: Record<string, string> = { node: process.versions.node, 'tfjs-core': tf.version_core };
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node']) {
    try {
      v[pkg] = require(`${pkg}/package.json`).version;
    } catch {
      // not installed: left out of the record
    }
  }
  return v;
}
