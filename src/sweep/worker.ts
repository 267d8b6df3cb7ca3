// One worker thread: picks its backend once, then trains the replica groups it is sent.
import * as fs from 'fs';
import { parentPort, workerData } from 'worker_threads';
import { Backend, initBackend } from '../engine/backend';
import { makeRunData, studyConstants, TASKS } from '../data/generator';
import { trainGroup } from '../train/replicas';
import { SweepConfig } from '../config/defaults';
import { GroupPlan } from './plan';
import { ModelFile, registerModelFiles } from '../models/custom';

export interface WorkerInit {
  backend: Backend;
  config: SweepConfig;
  /** --model-file models, loaded again here and checked against their recorded sha256. */
  modelFiles?: ModelFile[];
}

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'done'; group: GroupPlan; results: import('../train/replicas').RunResult[] }
  | { type: 'error'; group: GroupPlan; message: string };

export function trainPlannedGroup(cfg: SweepConfig, g: GroupPlan) {
  const constants = studyConstants(cfg.data, cfg.sweep.seed);
  return trainGroup({
    model: g.model,
    shape: { ...cfg.model, inputDim: cfg.data.dim, tasks: TASKS },
    lr: g.lr,
    train: cfg.train,
    runs: g.runs.map(({ run, seed }) => ({ run, seed, data: makeRunData(cfg.data, g.correlation, constants, seed) })),
  });
}

/**
 * Fault injection for the tests: with MMOE_SWEEP_CRASH_ONCE=FILE, the first worker to take a
 * group creates FILE and dies by an uncaught error, as a crashing worker would.
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
  port.on('message', (g: GroupPlan) => {
    injectCrash();
    try {
      port.postMessage({ type: 'done', group: g, results: trainPlannedGroup(init.config, g) } satisfies WorkerReply);
    } catch (e) {
      port.postMessage({ type: 'error', group: g, message: (e as Error).stack ?? String(e) } satisfies WorkerReply);
    }
  });
  port.postMessage({ type: 'ready' } satisfies WorkerReply);
}

if (parentPort) void main();
