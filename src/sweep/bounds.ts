// Up-front bounds: a sweep's size checked against documented limits and this machine's
// memory before anything is allocated, so a typo (--runs 1000000000) is one line, not an OOM.
import * as os from 'os';
import * as v8 from 'v8';
import { SweepConfig } from '../config/defaults';
import { modelLrPairs } from './plan';
import { TASKS } from '../data/generator';
import { usage } from '../errors';
import { Shard } from './shard';
import { applyPoint, gridPoints } from '../config/grid';

/** Planned runs of one sweep (models × correlations × lrs × runs). */
export const MAX_PLANNED_RUNS = 100_000;
/** Worker threads per core: more only queue for the same cores, each holding its own data. */
export const JOBS_PER_CORE = 4;
export const MAX_REPLICAS = 1_024;
/** Held-out points per run (steps / evalEvery): every point is kept in memory until the tables are written. */
export const MAX_CURVE_POINTS = 100_000;

export const cores = () => (typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);

const GB = 2 ** 30;
const gb = (bytes: number) => `${(bytes / GB).toFixed(bytes < GB ? 3 : 1)} GB`;

/** Rough bytes one run holds on a worker: its rows (three copies: generated, stacked, on the backend) and activations. */
export function runBytes(cfg: SweepConfig): number {
  const { dim, trainSize, evalSize } = cfg.data;
  const m = cfg.model;
  const width = dim + m.bottomUnits + m.experts * (m.expertUnits + TASKS) + TASKS * (m.towerUnits + 1);
  const rows = (trainSize + evalSize) * (dim + TASKS) * 4 * 3;
  const activations = Math.max(cfg.train.batchSize, evalSize) * width * 4 * 6; // forward, backward, temporaries
  const params = (dim * (m.bottomUnits + m.experts * (m.expertUnits + TASKS)) + m.experts * m.expertUnits * TASKS * m.towerUnits) * 4 * 4;
  return rows + activations + params;
}

/** Rough bytes the main thread holds per finished run until the tables are written (on the JS heap). */
export function recordBytes(cfg: SweepConfig): number {
  const points = Math.floor(cfg.train.steps / cfg.train.evalEvery) + 1;
  return 2048 + points * 2 * TASKS * 160 + cfg.model.experts * TASKS * 16;
}

export interface Memory {
  total: number;
  free: number;
  heap: number;
}

export const machineMemory = (): Memory => ({ total: os.totalmem(), free: os.freemem(), heap: v8.getHeapStatistics().heap_size_limit });

/** Runs a sweep (or one shard of it) plans, computed without listing them. */
export function plannedRuns(cfg: SweepConfig, shard: Shard | null): number {
  const s = cfg.sweep;
  return Math.ceil((modelLrPairs(cfg.train.lr, s.models) * s.correlations.length * s.runs * gridPoints(s.grid).length) / (shard?.count ?? 1));
}

/** Throws a UsageError naming the first bound a sweep breaks; `planned` is its number of runs (after sharding). */
export function checkSweepBounds(cfg: SweepConfig, o: { jobs: number; replicas: number; shard: Shard | null; planned: number }, mem: Memory = machineMemory()): void {
  const maxJobs = cores() * JOBS_PER_CORE;
  if (o.jobs > maxJobs) throw usage('--jobs', o.jobs, `an integer in [1, ${maxJobs}] (${JOBS_PER_CORE} × the ${cores()} cores here)`);
  if (o.replicas > MAX_REPLICAS) throw usage('--replicas', o.replicas, `an integer in [1, ${MAX_REPLICAS}]`);
  const s = cfg.sweep;
  const combos = gridPoints(s.grid).length;
  const pairs = modelLrPairs(cfg.train.lr, s.models);
  // a shard holds its share in memory, so the bound is per shard: --shard splits a larger sweep under it
  if (o.planned > MAX_PLANNED_RUNS) {
    const all = `${pairs} × ${s.correlations.length} × ${s.runs} × ${combos}`;
    const shards = Math.ceil((o.planned * (o.shard?.count ?? 1)) / MAX_PLANNED_RUNS);
    throw usage(`planned runs ((model, lr) pairs × correlations × runs × --set combinations${o.shard ? `, shard ${o.shard.index}/${o.shard.count}` : ''})`, o.shard ? `${all} / ${o.shard.count} = ${o.planned}` : `${all} = ${o.planned}`, `at most ${MAX_PLANNED_RUNS} per sweep or shard (--shard i/${shards} or more splits this one)`);
  }
  const each = gridPoints(s.grid).map((p) => applyPoint(cfg, p)); // a --set axis may change steps, sizes or data
  for (const c of each) {
    const points = Math.floor(c.train.steps / c.train.evalEvery);
    if (points > MAX_CURVE_POINTS) throw usage('train.steps / train.evalEvery', `${c.train.steps} / ${c.train.evalEvery}`, `at most ${MAX_CURVE_POINTS} evaluation points per run (a larger --eval-every)`);
  }
  const workers = Math.max(1, Math.min(o.jobs, Math.ceil(o.planned / o.replicas)));
  const perRun = Math.max(...each.map(runBytes)); // the largest --set combination
  const perWorker = Math.min(o.replicas, Math.max(1, o.planned)) * perRun;
  const onWorkers = workers * perWorker;
  const limit = Math.min(mem.total * 0.8, mem.free);
  if (onWorkers > limit) {
    throw usage('memory for training', `about ${gb(onWorkers)} (${workers} workers × ${Math.min(o.replicas, o.planned)} replicas × ${gb(perRun)} per run)`, `at most ${gb(limit)}, what this machine has free: fewer --jobs or --replicas, or smaller data.trainSize, data.evalSize, train.batchSize or model sizes`);
  }
  const records = o.planned * Math.max(...each.map(recordBytes));
  if (records > mem.heap * 0.5) {
    throw usage('memory for the finished runs', `about ${gb(records)} (${o.planned} runs)`, `at most ${gb(mem.heap * 0.5)}, half the JS heap: fewer runs per sweep (--shard), or a larger --eval-every`);
  }
}

/** `correlation`: rows × trials drawn one trial at a time. */
export function checkRowsBound(what: string, rows: number, dim: number, mem: Memory = machineMemory()): void {
  const bytes = rows * (dim + TASKS) * 8 * 2;
  const limit = Math.min(mem.total * 0.8, mem.free);
  if (bytes > limit) throw usage(what, rows, `at most about ${Math.floor(limit / ((dim + TASKS) * 16))} rows (${gb(limit)} free for ${dim} columns)`);
}
