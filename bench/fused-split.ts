// Where a fused training step's time goes (docs/PERFORMANCE.md), beside the tfjs trainer's step
// at the same R, in one run: µs per model-step by phase (src/engine/fused/dense.ts PHASES) and
// model-steps/s for each model at R = 1, 4, 8, 16, 32 on one thread. A benchmark, never a test.
//
//   node dist/bench/fused-split.js [steps] [models,comma,separated] [R,list] [backend]
import * as tf from '@tensorflow/tfjs';
import { BackendChoice, initBackend } from '../src/engine/backend';
import { DEFAULTS } from '../src/config/defaults';
import { TASKS, makeRunData, studyConstants } from '../src/data/generator';
import { adam } from '../src/engine/adam';
import { initParams, disposeParams } from '../src/engine/params';
import { fusedArchitecture } from '../src/engine/fused';
import { PHASES, timePhases } from '../src/engine/fused/dense';
import { architecture } from '../src/models/zoo';
import { ModelShape } from '../src/models/types';
import { Rows } from '../src/train/replicas';
import { intFlag, intListFlag, runBench } from './flags';

const B = 128;

async function main(): Promise<void> {
  const [stepsArg = '200', modelsArg = 'mmoe,omoe,shared-bottom', rArg = '1,4,8,16,32', backend = 'wasm'] = process.argv.slice(2);
  const steps = intFlag('steps', stepsArg);
  const replicaSizes = intListFlag('R', rArg);
  console.log(`backend ${await initBackend(backend as BackendChoice)}, batch ${B}, ${steps} fused steps per row (tfjs: a quarter), one thread`);
  const data = { ...DEFAULTS.data, trainSize: 1024, evalSize: 256 };
  const shape: ModelShape = { ...DEFAULTS.model, inputDim: data.dim, tasks: TASKS };
  const d = shape.inputDim;
  const constants = studyConstants(data, 1);
  const header = ['model', 'R', 'data', ...PHASES, 'fused total', 'fused steps/s', 'tfjs steps/s', 'ratio'];
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(14) : h.padStart(i === 1 ? 3 : 13))).join(' '));
  for (const model of modelsArg.split(',')) {
    for (const R of replicaSizes) {
      const runs = Array.from({ length: R }, (_, i) => makeRunData(data, 0.5, constants, 7 + i));
      const xb = new Float32Array(R * B * d), yb = new Float32Array(R * B * TASKS);
      const views: Rows[] = runs.map((_, i) => ({ n: B, x: xb.subarray(i * B * d, (i + 1) * B * d), y: yb.subarray(i * B * TASKS, (i + 1) * B * TASKS) }));
      const params = initParams(architecture(model).params(shape), runs.map((_, i) => 7 + i));
      const initial = Object.fromEntries(Object.entries(params).map(([n, v]) => [n, Float32Array.from(v.dataSync())]));

      // fused: data, then the engine's own phase clocks
      const group = fusedArchitecture(model)!.create(shape, initial, R, 0.001);
      for (let i = 0; i < 5; i++) group.step(xb, yb, B);
      let dataMs = 0;
      const phases = timePhases(true)!;
      const started = performance.now();
      for (let i = 0; i < steps; i++) {
        const c = performance.now();
        runs.forEach((r, j) => r.batches.next(views[j]));
        dataMs += performance.now() - c;
        group.step(xb, yb, B);
      }
      const fusedMs = performance.now() - started;
      timePhases(false);
      group.dispose();

      // tfjs: the trainer's step (src/train/replicas.ts) on the same batches
      const vars = Object.values(params);
      const optimizer = adam(params, 0.001);
      const paramName = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
      const tfjsStep = () => {
        runs.forEach((r, j) => r.batches.next(views[j]));
        tf.tidy(() => {
          const x = tf.tensor3d(xb, [R, B, d]), y = tf.tensor3d(yb, [R, B, TASKS]);
          const { grads } = tf.variableGrads(() => tf.sum(tf.mean(tf.squaredDifference(architecture(model).forward(params, x, shape).predictions, y), 1)) as tf.Scalar, vars);
          optimizer.apply(Object.fromEntries(Object.entries(grads).map(([v, g]) => [paramName.get(v)!, g])));
        });
      };
      const tfSteps = Math.max(2, Math.round(steps / 4));
      for (let i = 0; i < 2; i++) tfjsStep();
      const t0 = performance.now();
      for (let i = 0; i < tfSteps; i++) tfjsStep();
      const tfjsMs = performance.now() - t0;
      optimizer.dispose();
      disposeParams(params);

      const us = (ms: number) => ((1000 * ms) / steps / R).toFixed(0);
      const fusedRate = (R * steps * 1000) / fusedMs, tfjsRate = (R * tfSteps * 1000) / tfjsMs;
      const cells = [model.padEnd(14), String(R).padStart(3), us(dataMs), ...Array.from(phases, us), us(fusedMs), fusedRate.toFixed(0), tfjsRate.toFixed(0), `${(fusedRate / tfjsRate).toFixed(2)}x`];
      console.log(cells.map((c, i) => (i < 2 ? c : c.padStart(13))).join(' '));
    }
  }
  console.log('\nµs per model-step; data = batch copies from a fixed 1024-row set (streaming rows cost more); "fused total" includes data');
}

runBench('fused-split', main);
