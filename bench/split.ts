// Where one training step's time goes (docs/PERFORMANCE.md): data, forward, backward, optimizer,
// timed with wall clocks around the same calls trainGroup makes (on wasm and cpu every kernel
// runs synchronously, so a clock around a call times its kernels), plus tf.profile's per-kernel
// totals. A benchmark, never a test.
//
//   node dist/bench/split.js [model] [R] [steps] [backend]
import * as tf from '@tensorflow/tfjs';
import { BackendChoice, initBackend } from '../src/engine/backend';
import { DEFAULTS } from '../src/config/defaults';
import { TASKS, makeRunData, studyConstants } from '../src/data/generator';
import { adam } from '../src/engine/adam';
import { initParams, disposeParams } from '../src/engine/params';
import { architecture } from '../src/models/zoo';
import { ModelShape } from '../src/models/types';
import { Rows } from '../src/train/replicas';
import { intFlag, runBench } from './flags';

async function main(): Promise<void> {
  const [model = 'mmoe', rArg = '32', stepsArg = '30', backend = 'wasm'] = process.argv.slice(2);
  const R = intFlag('R', rArg), steps = intFlag('steps', stepsArg), B = 128;
  console.log(`backend ${await initBackend(backend as BackendChoice)}, ${model}, R=${R}, batch ${B}, ${steps} steps`);
  const data = { ...DEFAULTS.data, trainSize: 1024, evalSize: 256 };
  const shape: ModelShape = { ...DEFAULTS.model, inputDim: data.dim, tasks: TASKS };
  const d = shape.inputDim;
  const arch = architecture(model);
  const constants = studyConstants(data, 1);
  const runs = Array.from({ length: R }, (_, i) => makeRunData(data, 0.5, constants, 7 + i));
  const params = initParams(arch.params(shape), runs.map((_, i) => 7 + i));
  const vars = Object.values(params);
  const optimizer = adam(params, 0.001); // the trainer's: host loop for small groups, tf.train.adam for large
  const paramName = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
  const xb = new Float32Array(R * B * d), yb = new Float32Array(R * B * TASKS);
  const views: Rows[] = runs.map((_, i) => ({ n: B, x: xb.subarray(i * B * d, (i + 1) * B * d), y: yb.subarray(i * B * TASKS, (i + 1) * B * TASKS) }));
  const loss = (x: tf.Tensor3D, y: tf.Tensor3D) => tf.sum(tf.mean(tf.squaredDifference(arch.forward(params, x, shape).predictions, y), 1)) as tf.Scalar;
  const t = { data: 0, forward: 0, forwardBackward: 0, optimizer: 0 };
  const clock = () => performance.now();
  const step = (timed: boolean) => {
    let c = clock();
    runs.forEach((r, i) => r.batches.next(views[i]));
    const x = tf.tensor3d(xb, [R, B, d]), y = tf.tensor3d(yb, [R, B, TASKS]);
    if (timed) t.data += clock() - c;
    c = clock();
    tf.tidy(() => loss(x, y).dataSync());
    if (timed) t.forward += clock() - c;
    c = clock();
    const { value, grads } = tf.variableGrads(() => loss(x, y), vars);
    if (timed) t.forwardBackward += clock() - c;
    c = clock();
    optimizer.apply(Object.fromEntries(Object.entries(grads).map(([v, g]) => [paramName.get(v)!, g])));
    if (timed) t.optimizer += clock() - c;
    tf.dispose([x, y, value, ...Object.values(grads)]);
  };
  for (let i = 0; i < 3; i++) step(false);
  for (let i = 0; i < steps; i++) step(true);
  const per = (ms: number) => `${(ms / steps).toFixed(2).padStart(8)} ms/step ${((1000 * ms) / steps / R).toFixed(0).padStart(6)} µs/model-step`;
  console.log(`data       ${per(t.data)}`);
  console.log(`forward    ${per(t.forward)}`);
  console.log(`backward   ${per(t.forwardBackward - t.forward)}   (forward+backward under the tape minus forward alone)`);
  console.log(`optimizer  ${per(t.optimizer)}`);
  const total = t.data + t.forwardBackward + t.optimizer;
  console.log(`step       ${per(total)}   → ${((R * steps * 1000) / total).toFixed(0)} model-steps/s`);

  const profile = await tf.profile(() => step(false));
  const by = new Map<string, { n: number; ms: number }>();
  for (const k of profile.kernels) {
    const e = by.get(k.name) ?? { n: 0, ms: 0 };
    e.n++;
    e.ms += k.kernelTimeMs as number;
    by.set(k.name, e);
  }
  const kernelMs = [...by.values()].reduce((a, e) => a + e.ms, 0);
  console.log(`\ntf.profile of one step (forward twice, as above): ${profile.kernels.length} kernels, ${kernelMs.toFixed(2)} ms in kernels`);
  for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 16)) {
    console.log(`  ${name.padEnd(20)} ${String(e.n).padStart(4)} calls ${e.ms.toFixed(2).padStart(8)} ms`);
  }
  disposeParams(params);
  optimizer.dispose();
}

runBench('split', main);
