// Train R runs of one model as ONE batched computation: parameters stacked on a leading
// replica axis, each replica with its own data, its own Adam moments and its own loss.
// Adam is elementwise and the summed loss has a separate term per replica, so replica r's
// trajectory is the one it would follow trained alone (to float rounding).
import { ModelShape } from '../models/types';
import { Engine, engineFor, makeEngine } from './engines';
import { LrGrid, LrSchedule, scheduledLr } from './schedule';

export interface TrainConfig {
  steps: number;
  batchSize: number;
  /** Learning rates of the sweep's grid, for every model or by model; one group trains at one of them. */
  lr: LrGrid;
  /** Evaluate on the held-out set every this many steps (and at the last step). */
  evalEvery: number;
  /** How the rate moves over a run (src/train/schedule.ts); absent: constant. */
  lrSchedule?: LrSchedule;
}

/** Rows in row-major order: x is n×inputDim, y is n×tasks. The data module produces these. */
export interface Rows {
  n: number;
  x: Float32Array;
  y: Float32Array;
}

export interface ReplicaData {
  eval: Rows;
  batches: { next(into: Rows): void };
}

export interface ReplicaRun {
  run: number;
  seed: number;
  data: ReplicaData;
}

export interface Group {
  model: string;
  shape: ModelShape;
  lr: number;
  train: TrainConfig;
  runs: ReplicaRun[];
}

/** A group as the stepper sees it: its runs' held-out rows, but no batch source (the caller feeds the batches). */
export interface GroupSpec {
  model: string;
  shape: ModelShape;
  lr: number;
  train: TrainConfig;
  runs: { run: number; seed: number; eval: Rows }[];
}

export interface CurvePoint {
  step: number;
  task: number;
  split: 'train' | 'eval';
  loss: number;
  normalized: number;
}

export interface RunResult {
  run: number;
  seed: number;
  status: 'ok' | 'diverged';
  /** Steps trained when the recorded losses were measured (less than the config's when diverged). */
  steps: number;
  /** Per task: mean training-batch MSE over the last eval interval. */
  trainLoss: number[];
  evalLoss: number[];
  /** MSE divided by the variance of the task's held-out labels (1 − R²). */
  trainNormalized: number[];
  evalNormalized: number[];
  curve: CurvePoint[];
  /** Mean gate weight over the held-out set, [gate][expert]; null for gateless models. */
  gates: number[][] | null;
  seconds: number;
}

function variance(rows: Rows, k: number, tasks: number): number {
  let m = 0;
  for (let r = 0; r < rows.n; r++) m += rows.y[r * tasks + k];
  m /= rows.n;
  let v = 0;
  for (let r = 0; r < rows.n; r++) v += (rows.y[r * tasks + k] - m) ** 2;
  return v / rows.n;
}

/** Replica i's rows in slice i of one buffer: x [R, n, inputDim], y [R, n, tasks]. */
export function stackRows(rows: Rows[], dim: number, tasks: number): { x: Float32Array; y: Float32Array } {
  const n = rows[0].n;
  const x = new Float32Array(rows.length * n * dim);
  const y = new Float32Array(rows.length * n * tasks);
  rows.forEach((r, i) => {
    x.set(r.x, i * n * dim);
    y.set(r.y, i * n * tasks);
  });
  return { x, y };
}

/** A group trained from outside: the caller draws each step's batch and hands it over. */
export interface GroupStepper {
  readonly engine: Engine;
  readonly replicas: number;
  /** Steps taken so far. */
  readonly steps: number;
  /** One training step on x [R, B, inputDim], y [R, B, tasks] (replica i's rows in slice i); evaluates when due. */
  step(x: Float32Array, y: Float32Array): void;
  /** After the last step: gate means, the results, and the engine's memory freed. sharedSeconds: this group's share of time spent outside it (e.g. drawing a run set's data). */
  finish(sharedSeconds?: number): RunResult[];
}

/**
 * Starts a group on `engine` ('fused' falls back to tfjs for an architecture without a fused
 * path). Evaluates every evalEvery steps and at the last step; a replica whose losses stop
 * being finite is marked diverged and keeps its last finite losses, the others go on.
 */
export function startGroup(group: GroupSpec, engine: Engine = 'tfjs'): GroupStepper {
  const { shape, train } = group;
  const R = group.runs.length;
  const TASKS = shape.tasks;
  const used = engineFor(group.model, engine);
  const evalSet = stackRows(group.runs.map((r) => r.eval), shape.inputDim, TASKS);
  const evalVar = group.runs.map((r) => Array.from({ length: TASKS }, (_, k) => variance(r.eval, k, TASKS)));
  let busy = 0; // this group's own time: in a lockstep run set, other groups' steps are not its time
  const timed = <T>(f: () => T): T => {
    const t0 = process.hrtime.bigint();
    try {
      return f();
    } finally {
      busy += Number(process.hrtime.bigint() - t0) / 1e9;
    }
  };
  const core = timed(() =>
    makeEngine(used, { model: group.model, shape, lr: group.lr, seeds: group.runs.map((r) => r.seed), evalX: evalSet.x, evalY: evalSet.y, evalRows: group.runs[0].eval.n }),
  );
  const results: RunResult[] = group.runs.map((r) => ({
    run: r.run, seed: r.seed, status: 'ok', steps: 0,
    trainLoss: [], evalLoss: [], trainNormalized: [], evalNormalized: [], curve: [], gates: null, seconds: 0,
  }));
  let step = 0;
  let sinceEval = 0;

  const evaluate = () => {
    const trainMean = core.takeTrainMean(sinceEval);
    const evalLoss = core.evaluate();
    sinceEval = 0;
    results.forEach((res, i) => {
      if (res.status === 'diverged') return;
      if (![...trainMean[i], ...evalLoss[i]].every(Number.isFinite)) {
        res.status = 'diverged'; // keeps the last finite losses; the other replicas go on
        return;
      }
      res.steps = step;
      res.trainLoss = trainMean[i];
      res.evalLoss = evalLoss[i];
      res.trainNormalized = trainMean[i].map((v, k) => v / evalVar[i][k]);
      res.evalNormalized = evalLoss[i].map((v, k) => v / evalVar[i][k]);
      for (let k = 0; k < TASKS; k++) {
        res.curve.push({ step, task: k + 1, split: 'train', loss: res.trainLoss[k], normalized: res.trainNormalized[k] });
        res.curve.push({ step, task: k + 1, split: 'eval', loss: res.evalLoss[k], normalized: res.evalNormalized[k] });
      }
    });
  };

  return {
    engine: used,
    replicas: R,
    get steps() {
      return step;
    },
    step(x, y) {
      if (step >= train.steps) throw new RangeError(`group ${group.model} already took its ${train.steps} steps`);
      timed(() => {
        if (train.lrSchedule && train.lrSchedule !== 'constant') core.setLearningRate(scheduledLr(train.lrSchedule, group.lr, step, train.steps));
        core.step(x, y, train.batchSize);
        step++;
        sinceEval++;
        if (step % train.evalEvery === 0 || step === train.steps) evaluate();
      });
    },
    finish(sharedSeconds = 0) {
      busy += sharedSeconds;
      timed(() => {
        const gates = core.gateMeans();
        if (gates) results.forEach((res, i) => (res.gates = gates[i]));
        core.dispose();
      });
      results.forEach((res) => (res.seconds = busy / R));
      return results;
    },
  };
}

/** Trains a whole group on its own (each run drawing its own batches): the stepper driven to the end. */
export function trainGroup(group: Group, engine: Engine = 'tfjs'): RunResult[] {
  const { shape, train } = group;
  const R = group.runs.length;
  const B = train.batchSize;
  const stepper = startGroup({ ...group, runs: group.runs.map((r) => ({ run: r.run, seed: r.seed, eval: r.data.eval })) }, engine);
  // one host buffer for the whole group's batch; replica i fills its own slice
  const xb = new Float32Array(R * B * shape.inputDim);
  const yb = new Float32Array(R * B * shape.tasks);
  const views = batchViews(xb, yb, R, B, shape);
  let drawing = 0n;
  for (let step = 1; step <= train.steps; step++) {
    const t0 = process.hrtime.bigint();
    group.runs.forEach((r, i) => r.data.batches.next(views[i]));
    drawing += process.hrtime.bigint() - t0;
    stepper.step(xb, yb);
  }
  return stepper.finish(Number(drawing) / 1e9);
}

/** Replica i's slice of a stacked batch buffer, as Rows a batch source can fill. */
export function batchViews(xb: Float32Array, yb: Float32Array, R: number, B: number, shape: { inputDim: number; tasks: number }): Rows[] {
  const d = shape.inputDim;
  const T = shape.tasks;
  return Array.from({ length: R }, (_, i) => ({ n: B, x: xb.subarray(i * B * d, (i + 1) * B * d), y: yb.subarray(i * B * T, (i + 1) * B * T) }));
}
