// The fused engine trained against the tfjs trainer's arithmetic (src/models' forward, the
// summed batch MSE, Adam as tf.train.adam) and, for the paper's three, against the same
// training in float64: trajectories, held-out loss, gate means, and the replica contract (a run
// in a group equals the same run alone, bit for bit).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend';
import { adam } from '../../src/engine/adam';
import { FusedShape, fusedArchitecture } from '../../src/engine/fused';
import { disposeParams } from '../../src/engine/params';
import { RunData, TASKS } from '../../src/data/generator';
import { architecture } from '../../src/models/zoo';
import { engineFor, fusedEngine, tfjsEngine } from '../../src/train/engines';
import { B, DATA, DEFAULT, MODELS, PAPER, SUCCESSORS, batcher, referenceParams, runs, stackedValues, tfjsStep } from './fused-fixture';
import { trainer64 } from './float64-trainer';

before(async () => {
  assert.equal(await initBackend('wasm'), 'wasm');
});

function stackEval(data: RunData[]): { x: Float32Array; y: Float32Array; n: number } {
  const n = data[0].eval.n;
  const x = new Float32Array(data.length * n * DATA.dim), y = new Float32Array(data.length * n * TASKS);
  data.forEach((r, i) => {
    x.set(r.eval.x, i * n * DATA.dim);
    y.set(r.eval.y, i * n * TASKS);
  });
  return { x, y, n };
}

const EARLY = 50, LAST = 100, LR = 0.003, SEEDS = [5, 6, 7], FINAL_TOLERANCE = 5e-2, MEAN_TOLERANCE = 1e-2;
/** Issue 8's bound on the mean final loss, here against exact (float64) arithmetic. */
const ISSUE_BOUND = 1e-3;
/**
 * How far float32 rounding alone may move tfjs's mean final loss from the float64 trajectory
 * before the float64 trainer stops being a yardstick: measured up to 2.0e-3 (shared-bottom, five
 * seed sets; omoe and mmoe 2e-4 and 1e-4), docs/PERFORMANCE.md.
 */
const ROUNDING_SPREAD = 5e-3;
/** The paper's three at its sizes; the successors at their default sizes (the trainer's shapes). */
const shapeOf = (model: string): FusedShape => (MODELS.includes(model) ? PAPER : DEFAULT);

for (const model of [...MODELS, ...SUCCESSORS]) {
  // The successors over 300 steps: at 500, PLE's replica 0 (split from tfjs at a ReLU kink at
  // step 28) ends 3.6e-2 from tfjs in the mean while replica 2 still agrees to 1e-7, beyond the
  // bounds below, and no float64 PLE trainer tells tfjs's own rounding spread (docs/PERFORMANCE.md).
  const STEPS = MODELS.includes(model) ? 500 : 300;
  test(`${model}: ${STEPS} steps at lr ${LR} agree with the tfjs trainer's arithmetic${MODELS.includes(model) ? ' and are as close to float64 training as tfjs is' : ''} (paper/default sizes, R = 3)`, () => {
    const shape = shapeOf(model), R = SEEDS.length;
    const params = referenceParams(model, shape, SEEDS, 0);
    const group = fusedArchitecture(model)!.create(shape, stackedValues(params), R, LR);
    // the same training in float64 (the paper's three): where float32 rounding alone would take a trajectory
    const exact = MODELS.includes(model) ? trainer64(model, shape, stackedValues(params), R, LR) : null;
    const nextExact = batcher(runs(SEEDS), shape), exactLast = new Float64Array(R * TASKS);
    const optimizer = adam(params, LR, true); // bit-identical to tf.train.adam (test/engine/adam.test.ts)
    const tfStep = tfjsStep(model, shape, params, optimizer);
    const nextTf = batcher(runs(SEEDS), shape), nextFused = batcher(runs(SEEDS), shape);
    let tfLoss: Float32Array = new Float32Array(0), fusedLoss: Float32Array = new Float32Array(0);
    let first: [Float32Array, Float32Array] | null = null;
    const tfLast = new Float64Array(R * TASKS), fusedLast = new Float64Array(R * TASKS);
    for (let step = 1; step <= STEPS; step++) {
      const a = nextTf();
      tfLoss = tfStep(a.x, a.y);
      const b = nextFused();
      assert.deepEqual(b.x, a.x);
      fusedLoss = group.step(b.x, b.y, B);
      const c = nextExact();
      const exactLoss = exact?.step(c.x, c.y, B);
      if (step === 1) first = [tfLoss, fusedLoss];
      // before rounding differences have grown (see below), every step's loss agrees closely (float64's too)
      if (step <= EARLY) {
        for (let i = 0; i < R * TASKS; i++) {
          const rel = Math.abs(fusedLoss[i] - tfLoss[i]) / tfLoss[i];
          assert.ok(rel <= 1e-4, `${model} step ${step} [${i}]: loss ${fusedLoss[i]} fused vs ${tfLoss[i]} tfjs`);
          if (exactLoss) assert.ok(Math.abs(exactLoss[i] - tfLoss[i]) <= 1e-4 * tfLoss[i], `${model} step ${step} [${i}]: loss ${exactLoss[i]} float64 vs ${tfLoss[i]} tfjs`);
        }
      }
      if (step > STEPS - LAST) {
        tfLoss.forEach((v, i) => (tfLast[i] += v / LAST));
        fusedLoss.forEach((v, i) => (fusedLast[i] += v / LAST));
        exactLoss?.forEach((v, i) => (exactLast[i] += v / LAST));
      }
    }
    // the first step's loss is the same forward on the same parameters
    for (let i = 0; i < R * TASKS; i++) assert.ok(Math.abs(first![1][i] - first![0][i]) <= 1e-5 * first![0][i], `step 1 loss ${first![1][i]} vs ${first![0][i]}`);
    // Training moved the loss, and both engines moved it to the same place. Two float32
    // trajectories that differ by rounding (1e-7 at step 1) stay 1e-7 apart until one row's
    // pre-activation lands within rounding of a ReLU's kink (shared-bottom, seeds 5–7: replica 0,
    // step 243, −4.9e-8), one engine passes the row and the other does not, and from there they
    // separate; moving every 97th initial value of the FUSED engine by 1.2e-7 (relative) moves its
    // own final loss by up to 3e-2. The per-run bound here is that sensitivity (5e-2); averaged over
    // the replicas and tasks the drift partly cancels, so the mean is held to 1e-2. The final
    // training loss is the trainer's: the mean batch MSE over the last interval (LAST steps).
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((p, v) => p + v, 0);
    assert.ok(sum(tfLast) < 0.9 * sum(first![0]), `${model}: loss ${sum(first![0])} → ${sum(tfLast)}: training did not move it`);
    for (let i = 0; i < R * TASKS; i++) {
      const rel = Math.abs(fusedLast[i] - tfLast[i]) / tfLast[i];
      assert.ok(rel <= FINAL_TOLERANCE, `${model} replica ${Math.floor(i / TASKS)} task ${(i % TASKS) + 1}: final loss ${fusedLast[i]} fused vs ${tfLast[i]} tfjs (relative ${rel})`);
    }
    assert.ok(Math.abs(sum(fusedLast) - sum(tfLast)) <= MEAN_TOLERANCE * sum(tfLast), `${model}: mean final loss ${sum(fusedLast) / (R * TASKS)} fused vs ${sum(tfLast) / (R * TASKS)} tfjs`);
    if (exact) {
      // Issue 8's 1e-3, measured from exact arithmetic: the fused engine's mean final loss is within
      // 1e-3 of the float64 trajectory's, or, where float32 rounding alone takes tfjs itself further
      // (shared-bottom: up to 2e-3 over five seed sets), no further from it than tfjs is. A
      // systematic error (Adam's constants, a gradient, the loss) adds to the fused distance only.
      const toExact = (a: Float64Array) => Math.abs(sum(a) - sum(exactLast)) / sum(exactLast);
      const fusedGap = toExact(fusedLast), tfGap = toExact(tfLast);
      assert.ok(tfGap <= ROUNDING_SPREAD, `${model}: tfjs's mean final loss is ${tfGap} from float64 training: the float64 trainer is not the same training`);
      assert.ok(fusedGap <= Math.max(ISSUE_BOUND, tfGap), `${model}: mean final loss ${fusedGap} from float64 training (fused), tfjs ${tfGap}`);
      console.log(`# ${model}: mean final train loss relative to float64 training: fused ${fusedGap.toExponential(2)}, tfjs ${tfGap.toExponential(2)}; fused vs tfjs ${(Math.abs(sum(fusedLast) - sum(tfLast)) / sum(tfLast)).toExponential(2)}`);
    }
    // held-out loss (300 rows: more than one evaluation chunk) against the tfjs forward on the tfjs parameters
    const ev = stackEval(runs(SEEDS));
    const fusedEval = group.evaluate(ev.x, ev.y, ev.n);
    const tfEval = tf.tidy(() => tf.mean(tf.squaredDifference(architecture(model).forward(params, tf.tensor3d(ev.x, [R, ev.n, shape.inputDim]), shape).predictions, tf.tensor3d(ev.y, [R, ev.n, TASKS])), 1).dataSync());
    for (let i = 0; i < R * TASKS; i++) {
      assert.ok(Math.abs(fusedEval[i] - tfEval[i]) <= FINAL_TOLERANCE * tfEval[i], `${model} eval ${fusedEval[i]} fused vs ${tfEval[i]} tfjs`);
    }
    assert.ok(Math.abs(sum(fusedEval) - sum(tfEval)) <= MEAN_TOLERANCE * sum(tfEval), `${model}: mean held-out ${sum(fusedEval) / (R * TASKS)} fused vs ${sum(tfEval) / (R * TASKS)} tfjs`);
    console.log(`# ${model}: mean final train loss fused ${sum(fusedLast) / (R * TASKS)} tfjs ${sum(tfLast) / (R * TASKS)}; held-out fused ${sum(fusedEval) / (R * TASKS)} tfjs ${sum(tfEval) / (R * TASKS)}`);
    group.dispose();
    optimizer.dispose();
    disposeParams(params);
  });

  test(`${model}: a replica trained in a group of 4 is bit-identical to the same run alone`, () => {
    const shape = shapeOf(model), seeds = [31, 32, 33, 34], steps = 60;
    const params = referenceParams(model, shape, seeds, 0);
    const initial = stackedValues(params);
    disposeParams(params);
    const together = fusedArchitecture(model)!.create(shape, initial, 4, 0.01);
    const next = batcher(runs(seeds), shape);
    const losses: Float32Array[] = [];
    for (let s = 0; s < steps; s++) {
      const { x, y } = next();
      losses.push(together.step(x, y, B).slice());
    }
    const ev = stackEval(runs(seeds));
    const evalTogether = together.evaluate(ev.x, ev.y, ev.n), gatesTogether = together.gateMeans(ev.x, ev.n);
    const paramsTogether = together.parameters();
    together.dispose();
    for (const r of [0, 2, 3]) {
      const one = (a: Float32Array) => a.subarray((r * a.length) / 4, ((r + 1) * a.length) / 4);
      const alone = fusedArchitecture(model)!.create(shape, Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, one(v).slice()])), 1, 0.01);
      const nextAlone = batcher(runs([seeds[r]]), shape);
      for (let s = 0; s < steps; s++) {
        const { x, y } = nextAlone();
        assert.deepEqual(alone.step(x, y, B), losses[s].subarray(r * TASKS, (r + 1) * TASKS), `${model} replica ${r} step ${s + 1}: loss`);
      }
      for (const [name, v] of Object.entries(alone.parameters())) assert.deepEqual(v, one(paramsTogether[name]), `${model} replica ${r}: ${name}`);
      const evAlone = stackEval(runs([seeds[r]]));
      assert.deepEqual(alone.evaluate(evAlone.x, evAlone.y, evAlone.n), evalTogether.subarray(r * TASKS, (r + 1) * TASKS));
      const g = alone.gateMeans(evAlone.x, evAlone.n);
      assert.deepEqual(g, gatesTogether && one(gatesTogether));
      alone.dispose();
    }
    assert.notDeepEqual(losses[steps - 1].subarray(0, TASKS), losses[steps - 1].subarray(TASKS, 2 * TASKS), 'the replicas are different runs');
  });
}

for (const model of ['mmoe', 'omoe', 'cgc', 'ple']) {
  test(`${model}: gateMeans sums to 1 over the experts and matches the tfjs forward's gates`, () => {
    const shape = shapeOf(model), seeds = [41, 42];
    const params = referenceParams(model, shape, seeds, 0.1);
    const group = fusedArchitecture(model)!.create(shape, stackedValues(params), 2, 0.01);
    const ev = stackEval(runs(seeds));
    const means = group.gateMeans(ev.x, ev.n)!;
    // CGC/PLE: one gate per task, placed over all of the (last) level's experts as the tfjs path's `gates`
    const G = model === 'omoe' ? 1 : TASKS, E = group.gateExperts;
    assert.equal(E, model === 'cgc' ? TASKS * shape.cgcTaskExperts! + shape.cgcSharedExperts! : model === 'ple' ? TASKS * shape.pleTaskExperts! + shape.pleSharedExperts! : shape.experts);
    assert.equal(means.length, 2 * G * E);
    const ref = tf.tidy(() => tf.mean(architecture(model).forward(params, tf.tensor3d(ev.x, [2, ev.n, shape.inputDim]), shape).gates!, 1).dataSync());
    for (let rg = 0; rg < 2 * G; rg++) {
      const row = means.subarray(rg * E, (rg + 1) * E);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) <= 1e-5, `gate ${rg} sums to ${row.reduce((a, b) => a + b, 0)}`);
      assert.ok(Math.max(...row) - Math.min(...row) > 1e-3, 'the gates are not uniform (the test would not see a mix-up)');
    }
    for (let i = 0; i < means.length; i++) assert.ok(Math.abs(means[i] - ref[i]) <= 1e-5, `[${i}] ${means[i]} fused vs ${ref[i]} tfjs`);
    const sbParams = referenceParams('shared-bottom', shape, seeds, 0);
    const gateless = fusedArchitecture('shared-bottom')!.create(shape, stackedValues(sbParams), 2, 0.01);
    assert.equal(gateless.gateMeans(ev.x, ev.n), null);
    gateless.dispose();
    disposeParams(sbParams);
    group.dispose();
    disposeParams(params);
  });
}

test('the trainer picks the fused engine for every successor, and its gate rows are as wide as the tfjs engine\'s (CGC/PLE: tasks·own + shared)', () => {
  for (const model of SUCCESSORS) assert.equal(engineFor(model, 'fused'), 'fused', model);
  for (const model of ['cgc', 'ple']) {
    const ev = stackEval(runs([61, 62]));
    const spec = { model, shape: { ...shapeOf(model), tasks: TASKS }, lr: 0.01, seeds: [61, 62], evalX: ev.x, evalY: ev.y, evalRows: ev.n };
    const fused = fusedEngine(spec), reference = tfjsEngine(spec);
    const [a, b] = [fused.gateMeans()!, reference.gateMeans()!];
    assert.deepEqual([a.length, a[0].length, a[0][0].length], [b.length, b[0].length, b[0][0].length], model);
    a.flat(2).forEach((v, i) => assert.ok(Math.abs(v - b.flat(2)[i]) <= 1e-5, `${model} gate weight ${i}: ${v} fused vs ${b.flat(2)[i]} tfjs`));
    fused.dispose();
    reference.dispose();
  }
});
