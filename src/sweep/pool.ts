// Run sets spread over worker_threads; a set whose worker crashes is retried once (without the
// groups it had already finished).
import * as path from 'path';
import { Worker } from 'worker_threads';
import { GroupPlan, RunSetPlan } from './plan';
import { WorkerInit, WorkerReply } from './worker';
import { RunResult } from '../train/replicas';

export interface Pool {
  /** Resolves when every run set is done, or when stop() has ended the workers. */
  finished: Promise<void>;
  stop(): void;
}

export interface PoolEvents {
  onGroup(group: GroupPlan, results: RunResult[]): void;
  /** Run-steps taken since the last call (negative when a crashed set's steps are taken back). */
  onSteps?(steps: number): void;
  onWarn(line: string): void;
}

export class GroupFailed extends Error {}

const describe = (s: RunSetPlan) => `correlation ${s.correlation}, runs ${s.runs.map((r) => r.run).join(',')}`;

export function runPool(sets: RunSetPlan[], jobs: number, init: WorkerInit, ev: PoolEvents): Pool {
  const queue = sets.slice();
  const tries = new Map<RunSetPlan, number>();
  const workers = new Set<Worker>();
  let stopped = false;
  let failure: Error | null = null;
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const finished = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));

  const settle = () => {
    if (workers.size > 0) return;
    if (failure && !stopped) reject(failure);
    else resolve();
  };

  const spawn = () => {
    const w = new Worker(path.join(__dirname, 'worker.js'), { workerData: init });
    let current: RunSetPlan | null = null;
    let finishedGroups = new Set<GroupPlan>();
    let stepsInSet = 0;
    workers.add(w);
    const next = () => {
      current = stopped || failure ? null : queue.shift() ?? null;
      finishedGroups = new Set();
      stepsInSet = 0;
      if (current) w.postMessage(current);
      else void w.terminate();
    };
    w.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return next();
      if (m.type === 'progress') {
        stepsInSet += m.steps;
        return ev.onSteps?.(m.steps);
      }
      if (m.type === 'group') {
        // the structured clone is a new object: find the plan's own group by its key
        const own = current?.groups.find((g) => g.model === m.group.model && g.lr === m.group.lr);
        if (own) finishedGroups.add(own);
        return ev.onGroup(m.group, m.results);
      }
      if (m.type === 'done') return next();
      failure ??= new GroupFailed(`training at ${describe(m.set)} failed: ${m.message}`);
      current = null;
      void w.terminate();
    });
    let crash = 'exited';
    w.on('error', (e) => (crash = e.message));
    w.on('exit', () => {
      workers.delete(w);
      // the worker died mid-set (an uncaught error, or killed): hand its unfinished groups to a fresh worker, once
      if (current && !stopped) {
        const n = (tries.get(current) ?? 0) + 1;
        if (n <= 1) {
          ev.onWarn(`worker crashed (${crash}); retrying ${describe(current)}`);
          ev.onSteps?.(-stepsInSet);
          const retry: RunSetPlan = { ...current, groups: current.groups.filter((g) => !finishedGroups.has(g)) };
          tries.set(retry, n);
          if (retry.groups.length > 0) queue.unshift(retry);
        } else {
          failure ??= new GroupFailed(`worker crashed twice at ${describe(current)}: ${crash}`);
        }
        current = null;
      }
      if (!stopped && !failure && queue.length > 0 && workers.size < jobs) spawn();
      settle();
    });
  };

  const n = Math.max(1, Math.min(jobs, queue.length));
  if (queue.length === 0) resolve();
  else for (let i = 0; i < n; i++) spawn();
  return {
    finished,
    stop() {
      stopped = true;
      for (const w of workers) void w.terminate();
    },
  };
}
