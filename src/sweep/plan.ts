// A sweep is models × correlations × lrs × runs; runs of one (model, correlation, lr) are
// packed into replica groups that train as one computation.
import { hashSeed } from '../engine/random';
import { SweepConfig } from '../config/defaults';
import { Shard, shardOfRun } from './shard';

export interface RunKey {
  model: string;
  correlation: number;
  lr: number;
  run: number;
  seed: number;
}

export interface GroupPlan {
  model: string;
  correlation: number;
  lr: number;
  runs: { run: number; seed: number }[];
}

/**
 * Run i's seed, the same for every model, lr and correlation: run i shares its u1, u2, rows, noise,
 * batch order and initial weights across correlations (common random numbers); only w2 moves with p.
 */
export function runSeed(baseSeed: number, run: number): number {
  return hashSeed(`${baseSeed}/${run}`);
}

export function runId(k: { model: string; correlation: number; lr: number; run: number }): string {
  return `${k.model}|${k.correlation}|${k.lr}|${k.run}`;
}

/** Every run of the sweep, or of one shard of it. */
export function allRuns(cfg: SweepConfig, shard: Shard | null = null): RunKey[] {
  const keys: RunKey[] = [];
  let cell = 0;
  for (const model of cfg.sweep.models)
    for (const correlation of cfg.sweep.correlations)
      for (const lr of cfg.train.lr) {
        for (let run = 0; run < cfg.sweep.runs; run++) {
          if (shard && shardOfRun(cell, run, shard.count) !== shard.index) continue;
          keys.push({ model, correlation, lr, run, seed: runSeed(cfg.sweep.seed, run) });
        }
        cell++;
      }
  return keys;
}

/**
 * Groups of up to `replicas` runs sharing (model, correlation, lr), leaving out finished runs.
 * Ordered run-chunk first, so an interrupted sweep has covered every model and correlation evenly.
 */
export function planGroups(runs: RunKey[], replicas: number): GroupPlan[] {
  const byCell = new Map<string, RunKey[]>();
  for (const k of runs) {
    const cell = `${k.model}|${k.correlation}|${k.lr}`;
    if (!byCell.has(cell)) byCell.set(cell, []);
    byCell.get(cell)!.push(k);
  }
  const chunked = [...byCell.values()].map((keys) => {
    const chunks: GroupPlan[] = [];
    for (let i = 0; i < keys.length; i += replicas) {
      const part = keys.slice(i, i + replicas);
      chunks.push({ model: part[0].model, correlation: part[0].correlation, lr: part[0].lr, runs: part.map(({ run, seed }) => ({ run, seed })) });
    }
    return chunks;
  });
  const groups: GroupPlan[] = [];
  for (let i = 0; chunked.some((c) => i < c.length); i++) for (const c of chunked) if (i < c.length) groups.push(c[i]);
  return groups;
}
