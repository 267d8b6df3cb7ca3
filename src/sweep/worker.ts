// One worker thread: picks its backend once, then trains the run sets it is sent. A run set's
// groups (every model and lr of those runs) step in lockstep on one shared batch buffer: each
// step draws each run's batch once, from the run's own stream, and feeds it to every group.
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { Backend, initBackend } from '../engine/backend';
import { makeRunData, studyConstants, TASKS } from '../data/generator';
import { Engine } from '../train/engines';
import { RunResult, batchViews, startGroup } from '../train/replicas';
import { SweepConfig } from '../config/defaults';
import { GroupPlan, RunSetPlan } from './plan';
import { ModelFile, registerModelFiles } from '../models/custom';
import { applyPoint } from '../config/grid';

export interface WorkerInit {
  backend: Backend;
  engine: Engine;
  config: SweepConfig;
  /** --model-file models, loaded again here and checked against their recorded sha256. */
  modelFiles?: ModelFile[];
}

export type WorkerReply =
  | { type: 'ready' }
  /** Run-steps (one run trained one step) taken since the last progress message. */
  | { type: 'progress'; steps: number }
  /** One group of the set, finished (sent as soon as it is, before the set is done). */
  | { type: 'group'; group: GroupPlan; results: RunResult[] }
  | { type: 'done'; set: RunSetPlan }
  | { type: 'error'; set: RunSetPlan; message: string };

/** Roughly how often (in lockstep steps) a worker reports progress inside a run set. */
export const PROGRESS_EVERY = 250;

/**
 * Trains every group of a run set in lockstep. The k-th batch of a run is the k-th draw from that
 * run's stream whichever groups train beside it, so each group's results equal it trained alone.
 */
export function trainRunSet(
  sweepCfg: SweepConfig,
  set: RunSetPlan,
  engine: Engine,
  on: { group?(group: GroupPlan, results: RunResult[]): void; progress?(steps: number): void } = {},
): void {
  const cfg = applyPoint(sweepCfg, set.point); // the --set axes' values: data, shapes and training of this set
  const constants = studyConstants(cfg.data, cfg.sweep.seed);
  const shape = { ...cfg.model, inputDim: cfg.data.dim, tasks: TASKS };
  const { steps, batchSize: B } = cfg.train;
  const t0 = process.hrtime.bigint();
  const data = set.runs.map(({ seed }) => makeRunData(cfg.data, set.correlation, constants, seed));
  const slot = new Map(set.runs.map((r, i) => [r.run, i]));
  const n = set.runs.length;
  const xb = new Float32Array(n * B * shape.inputDim);
  const yb = new Float32Array(n * B * TASKS);
  const views = batchViews(xb, yb, n, B, shape);
  const members = set.groups.map((g) => {
    const slots = g.runs.map((r) => slot.get(r.run)!);
    const whole = slots.length === n && slots.every((s, i) => s === i);
    // a group with every run of the set reads the shared buffer; one with fewer (resumed) gathers its slices
    const own = whole ? null : { x: new Float32Array(slots.length * B * shape.inputDim), y: new Float32Array(slots.length * B * TASKS) };
    const stepper = startGroup({ model: g.model, shape, lr: g.lr, train: cfg.train, runs: g.runs.map((r, i) => ({ ...r, eval: data[slots[i]].eval })) }, engine);
    return { g, slots, own, stepper };
  });
  let dataSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const perStep = set.groups.reduce((a, g) => a + g.runs.length, 0);
  let unreported = 0;
  for (let step = 1; step <= steps; step++) {
    const t = process.hrtime.bigint();
    data.forEach((d, i) => d.batches.next(views[i]));
    for (const m of members) {
      if (!m.own) continue;
      m.slots.forEach((s, i) => {
        m.own!.x.set(views[s].x, i * views[s].x.length);
        m.own!.y.set(views[s].y, i * views[s].y.length);
      });
    }
    dataSeconds += Number(process.hrtime.bigint() - t) / 1e9;
    for (const m of members) m.stepper.step(m.own?.x ?? xb, m.own?.y ?? yb);
    unreported += perStep;
    if (step % PROGRESS_EVERY === 0 || step === steps) {
      on.progress?.(unreported);
      unreported = 0;
    }
  }
  // the shared data's time is split evenly over the groups that used it
  for (const m of members) on.group?.(m.g, m.stepper.finish(dataSeconds / members.length));
}

/**
 * Fault injection for the tests: with MMOE_SWEEP_CRASH_ONCE=FILE, the first worker to take a
 * run set creates FILE and dies by an uncaught error, as a crashing worker would.
 */
function injectCrash(): void {
  const marker = process.env.MMOE_SWEEP_CRASH_ONCE;
  if (!marker) return;
  try {
    fs.writeFileSync(marker, 'crashed\n', { flag: 'wx' });
  } catch {
    return; // already crashed once
  }
  throw new Error('injected crash (MMOE_SWEEP_CRASH_ONCE)');
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  await initBackend(init.backend);
  registerModelFiles(init.modelFiles ?? [], 'worker');
  const port = parentPort!;
  const reply = (m: WorkerReply) => port.postMessage(m);
  port.on('message', (set: RunSetPlan) => {
    injectCrash();
    try {
      trainRunSet(init.config, set, init.engine, {
        group: (group, results) => reply({ type: 'group', group, results }),
        progress: (steps) => reply({ type: 'progress', steps }),
      });
      reply({ type: 'done', set });
    } catch (e) {
      reply({ type: 'error', set, message: (e as Error).stack ?? String(e) });
    }
  });
  reply({ type: 'ready' });
}

if (parentPort) void main();
