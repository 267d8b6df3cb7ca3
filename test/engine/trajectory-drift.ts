// How far apart the engines' trajectories drift, and when (docs/PERFORMANCE.md, "500-step
// trajectories"): the tfjs trainer on a chosen backend, the fused engine and (the paper's three)
// float64 training, in lockstep from the same parameters on the same batches. A measurement,
// not a test: node dist/test/engine/trajectory-drift.js MODEL [wasm|cpu] [SEEDS] [STEPS]
import * as tf from '@tensorflow/tfjs';
import { Backend, initBackend } from '../../src/engine/backend';
import { adam } from '../../src/engine/adam';
import { fusedArchitecture } from '../../src/engine/fused';
import { TASKS } from '../../src/data/generator';
import { DEFAULT, MODELS, PAPER, batcher, referenceParams, runs, stackedValues, tfjsStep } from './fused-fixture';
import { trainer64 } from './float64-trainer';

const LR = 0.003, LAST = 100, CHECKPOINTS = [1, 50, 100, 200, 300, 400, 500];

async function main(): Promise<void> {
  const [model, backend = 'wasm', seedList = '5,6,7', steps = '500'] = process.argv.slice(2);
  const seeds = seedList.split(',').map(Number), R = seeds.length, STEPS = Number(steps);
  await initBackend(backend as Backend);
  const shape = MODELS.includes(model) ? PAPER : DEFAULT;
  const params = referenceParams(model, shape, seeds, 0);
  const names = Object.keys(params).sort();
  const group = fusedArchitecture(model)!.create(shape, stackedValues(params), R, LR);
  const exact = MODELS.includes(model) ? trainer64(model, shape, stackedValues(params), R, LR) : null;
  const engines: Record<string, { step: (x: Float32Array, y: Float32Array) => ArrayLike<number>; params: () => Record<string, ArrayLike<number>> }> = {
    [`tfjs-${backend}`]: { step: tfjsStep(model, shape, params, adam(params, LR, true)), params: () => Object.fromEntries(names.map((n) => [n, params[n].dataSync() as Float32Array])) },
    fused: { step: (x, y) => group.step(x, y, 128), params: () => group.parameters() },
    ...(exact ? { float64: { step: (x: Float32Array, y: Float32Array) => exact.step(x, y, 128), params: () => exact.parameters() } } : {}),
  };
  const keys = Object.keys(engines);
  const pairs = keys.flatMap((a, i) => keys.slice(i + 1).map((b) => [a, b]));
  const next = Object.fromEntries(keys.map((k) => [k, batcher(runs(seeds), shape)]));
  const last = Object.fromEntries(keys.map((k) => [k, new Float64Array(R * TASKS)]));
  const onset: Record<string, number> = {};
  const flat = (k: string) => { const p = engines[k].params(); return names.flatMap((n) => Array.from(p[n])); };
  for (let step = 1; step <= STEPS; step++) {
    for (const k of keys) {
      const { x, y } = next[k]();
      const loss = engines[k].step(x, y);
      if (step > STEPS - LAST) for (let i = 0; i < R * TASKS; i++) last[k][i] += loss[i] / LAST;
    }
    // the parameters' relative distance ‖θa − θb‖ / ‖θb‖: when rounding-level agreement ends
    const theta = Object.fromEntries(keys.map((k) => [k, flat(k)]));
    const row = pairs.map(([a, b]) => {
      let num = 0, den = 0;
      theta[a].forEach((v, i) => ((num += (v - theta[b][i]) ** 2), (den += theta[b][i] ** 2)));
      const d = Math.sqrt(num / den);
      if (d > 1e-6 && !onset[`${a}/${b}`]) onset[`${a}/${b}`] = step;
      return `${a}/${b} ${d.toExponential(2)}`;
    });
    if (CHECKPOINTS.includes(step)) console.log(`step ${step}: parameter distance ${row.join(', ')}`);
  }
  const sum = (a: Float64Array) => a.reduce((p, v) => p + v, 0);
  for (const k of keys) console.log(`${k}: mean final loss (steps ${STEPS - LAST + 1}-${STEPS}) ${sum(last[k]) / (R * TASKS)}`);
  for (const [a, b] of pairs) {
    const perRun = Array.from(last[a], (v, i) => Math.abs(v - last[b][i]) / last[b][i]);
    console.log(`${a}/${b}: mean final loss relative ${(Math.abs(sum(last[a]) - sum(last[b])) / sum(last[b])).toExponential(2)}, per run up to ${Math.max(...perRun).toExponential(2)}; parameters > 1e-6 apart from step ${onset[`${a}/${b}`] ?? 'never'}`);
  }
  group.dispose();
  tf.disposeVariables();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
