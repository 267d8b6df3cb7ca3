// Replica groups spread over worker_threads; a group whose worker crashes is retried once.
import * as path from 'path';
import { Worker } from 'worker_threads';
import { GroupPlan } from './plan';
import { WorkerInit, WorkerReply } from './worker';
import { RunResult } from '../train/replicas';

export interface Pool {
  /** Resolves when every group is done, or when stop() has ended the workers. */
  finished: Promise<void>;
  stop(): void;
}

export interface PoolEvents {
  onGroup(group: GroupPlan, results: RunResult[]): void;
  onWarn(line: string): void;
}

export class GroupFailed extends Error {}

export function runPool(groups: GroupPlan[], jobs: number, init: WorkerInit, ev: PoolEvents): Pool {
  const queue = groups.slice();
  const tries = new Map<GroupPlan, number>();
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
    let current: GroupPlan | null = null;
    workers.add(w);
    const next = () => {
      current = stopped || failure ? null : queue.shift() ?? null;
      if (current) w.postMessage(current);
      else void w.terminate();
    };
    w.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') return next();
      if (m.type === 'done') {
        ev.onGroup(m.group, m.results);
        return next();
      }
      failure ??= new GroupFailed(`training ${m.group.model} at correlation ${m.group.correlation} failed: ${m.message}`);
      current = null;
      void w.terminate();
    });
    let crash = 'exited';
    w.on('error', (e) => (crash = e.message));
    w.on('exit', () => {
      workers.delete(w);
      // the worker died mid-group (an uncaught error, or killed): hand the group to a fresh worker, once
      if (current && !stopped) {
        const n = (tries.get(current) ?? 0) + 1;
        tries.set(current, n);
        if (n <= 1) {
          ev.onWarn(`worker crashed (${crash}); retrying ${current.model} at correlation ${current.correlation}, runs ${current.runs.map((r) => r.run).join(',')}`);
          queue.unshift(current);
        } else {
          failure ??= new GroupFailed(`worker crashed twice on ${current.model} at correlation ${current.correlation}: ${crash}`);
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
