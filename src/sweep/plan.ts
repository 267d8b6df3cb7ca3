// A sweep is models × correlations × lrs × runs. Runs of one correlation are packed into run
// sets; a worker trains every (model, lr) group of a set in lockstep, drawing each run's batch
// once per step for all of them (a run's rows do not depend on the model or lr).
import { hashSeed } from '../engine/random';
import { SweepConfig } from '../config/defaults';
import { Shard, shardOfRun } from './shard';
import { Point, gridPoints, pointLabel } from '../config/grid';
import { allLrs, lrsFor, modelLrPairs } from '../train/schedule';
import { ZOO } from '../models/zoo';
import { keysRead } from '../models/types';

export { allLrs, lrsFor, modelLrPairs };

export interface RunKey {
  model: string;
  correlation: number;
  lr: number;
  run: number;
  seed: number;
  /** Values of the --set axes the model sees (pointSeen; empty without any). */
  point: Point;
}

export interface GroupPlan {
  model: string;
  correlation: number;
  lr: number;
  point: Point;
  runs: { run: number; seed: number }[];
}

/** Runs of one correlation trained side by side, and every (model, lr) group that still needs some of them. */
export interface RunSetPlan {
  correlation: number;
  /** One point of the --set axes: its runs train with that config (their data and shapes may differ from another point's). */
  point: Point;
  /** Ascending by run index. */
  runs: { run: number; seed: number }[];
  /** Each group's runs are a subset of the set's, in the set's order (a resumed sweep may need fewer). */
  groups: GroupPlan[];
}

/**
 * Run i's seed, the same for every model, lr and correlation: run i shares its u1, u2, rows, noise,
 * batch order and initial weights across correlations (common random numbers); only w2 moves with p.
 */
export function runSeed(baseSeed: number, run: number): number {
  return hashSeed(`${baseSeed}/${run}`);
}

export function runId(k: { model: string; correlation: number; lr: number; run: number; point?: Point }): string {
  const at = pointLabel(k.point);
  return `${k.model}|${k.correlation}|${k.lr}|${k.run}${at ? `|${at}` : ''}`;
}

/**
 * The part of a --set point that reaches a model: every data.* and train.* key, and the model.*
 * keys its architecture reads (Architecture.reads). Equal for two points, the model trains the same.
 * A model not registered (a damaged journal's) is taken to see the whole point.
 */
export function pointSeen(model: string, point: Point | undefined): Point {
  const a = Object.hasOwn(ZOO, model) ? ZOO[model] : null;
  const reads = a ? keysRead(a) : null;
  return Object.fromEntries(Object.entries(point ?? {}).filter(([k]) => !reads || !k.startsWith('model.') || (reads as string[]).includes(k.slice(6))));
}

/** Per model, the --set axes it does not read (so trains once for all their values); models that read every axis left out. */
export function axesNotRead(cfg: SweepConfig): Record<string, string[]> {
  const axes = Object.keys(cfg.sweep.grid ?? {});
  const point = Object.fromEntries(axes.map((k) => [k, 0]));
  const out: Record<string, string[]> = {};
  for (const model of cfg.sweep.models) {
    const seen = pointSeen(model, point);
    const unread = axes.filter((k) => !Object.hasOwn(seen, k));
    if (unread.length) out[model] = unread;
  }
  return out;
}

/**
 * Every run of the sweep, or of one shard of it. A model trains once per point it sees
 * (pointSeen): at the first grid point that shows it, in that point's shard; writeRunTables lists
 * it under every point that maps there.
 */
export function allRuns(cfg: SweepConfig, shard: Shard | null = null): RunKey[] {
  const keys: RunKey[] = [];
  const points = gridPoints(cfg.sweep.grid);
  const C = cfg.sweep.correlations.length;
  const planned = new Set<string>();
  // run i keeps its seed at every point of the --set axes too: a paired design across them
  points.forEach((full, pi) => {
    for (const model of cfg.sweep.models) {
      const point = pointSeen(model, full);
      const seen = `${model}|${pointLabel(point)}`;
      if (planned.has(seen)) continue;
      planned.add(seen);
      cfg.sweep.correlations.forEach((correlation, c) => {
        for (const lr of lrsFor(cfg.train.lr, model))
          for (let run = 0; run < cfg.sweep.runs; run++) {
            if (shard && shardOfRun(pi * C + c, run, shard.count) !== shard.index) continue;
            keys.push({ model, correlation, lr, run, seed: runSeed(cfg.sweep.seed, run), point });
          }
      });
    }
  });
  return keys;
}

/**
 * Run sets of up to `replicas` runs of one correlation, each holding every (model, lr) group
 * that still needs some of its runs. A correlation's runs are split into equal sets whose count
 * is a multiple of `jobs` where that keeps sets non-empty, so the workers finish together.
 * Ordered set first, so an interrupted sweep has covered every correlation evenly.
 */
export function planRunSets(runs: RunKey[], replicas: number, jobs = 1): RunSetPlan[] {
  // one list per (correlation, --set point): runs of different points may not share a batch
  const byCorrelation = new Map<string, RunKey[]>();
  for (const k of runs) {
    const at = `${k.correlation}|${pointLabel(k.point)}`;
    if (!byCorrelation.has(at)) byCorrelation.set(at, []);
    byCorrelation.get(at)!.push(k);
  }
  const perCorrelation = [...byCorrelation.values()].map((keys) => {
    const { correlation, point } = keys[0];
    const seeds = new Map(keys.map((k) => [k.run, k.seed]));
    const ids = [...seeds.keys()].sort((a, b) => a - b);
    const minimal = Math.ceil(ids.length / replicas);
    const count = Math.min(ids.length, Math.ceil(minimal / jobs) * jobs);
    // each run's set found once, so planning stays linear in the runs (--runs 100000 --dry-run)
    const parts: number[][] = [];
    const setOf = new Map<number, number>();
    for (let i = 0, from = 0; i < count; i++) {
      const to = Math.round(((i + 1) * ids.length) / count);
      const part = ids.slice(from, to);
      from = to;
      for (const run of part) setOf.set(run, i);
      parts.push(part);
    }
    const groupsOf = parts.map(() => new Map<string, GroupPlan>());
    for (const k of keys) {
      const groups = groupsOf[setOf.get(k.run)!];
      const cell = `${k.model}|${k.lr}`;
      if (!groups.has(cell)) groups.set(cell, { model: k.model, correlation, lr: k.lr, point, runs: [] });
      groups.get(cell)!.runs.push({ run: k.run, seed: k.seed });
    }
    const sets: RunSetPlan[] = parts.map((part, i) => {
      for (const g of groupsOf[i].values()) g.runs.sort((a, b) => a.run - b.run);
      return { correlation, point, runs: part.map((run) => ({ run, seed: seeds.get(run)! })), groups: [...groupsOf[i].values()] };
    });
    return sets;
  });
  const sets: RunSetPlan[] = [];
  for (let i = 0; perCorrelation.some((c) => i < c.length); i++) for (const c of perCorrelation) if (i < c.length) sets.push(c[i]);
  return sets;
}
