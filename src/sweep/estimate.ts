// A sweep's wall time before it runs (--dry-run), from measured training throughput: no
// calibration run, so a dry run is instant and writes nothing.
import { SweepConfig } from '../config/defaults';
import { Engine, engineFor } from '../train/engines';
import { RunKey } from './plan';

/**
 * Training steps per second of one run at batch 128, per worker thread, wasm backend, replicas 8,
 * 2 workers on a 2-core machine (runs.csv column seconds), docs/REFERENCE.md "--dry-run".
 * tfjs: the committed study results/paper-30 (8000 steps): 638.8 / 582.9 / 539.0.
 * fused: the committed study results/paper-200 (15,000 steps, 3 groups per run set):
 * 3045 / 2978 / 2752; the successors at mmoe's rate times their fused speed relative to mmoe in
 * `npm run bench` (trainer alone, R = 8; docs/PERFORMANCE.md): single-task 1.05, cgc 1.22,
 * ple 0.93, cross-stitch 1.14, l2-constrained 1.14.
 */
export const STEPS_PER_SECOND: Record<Engine, Record<string, number>> = {
  tfjs: { 'shared-bottom': 639, omoe: 583, mmoe: 539 },
  fused: { 'shared-bottom': 3045, omoe: 2978, mmoe: 2752, 'single-task': 2893, cgc: 3370, ple: 2556, 'cross-stitch': 3131, 'l2-constrained': 3150 },
};
/** For an architecture not measured: the slowest measured on tfjs. */
const FALLBACK = Math.min(...Object.values(STEPS_PER_SECOND.tfjs));

export interface Estimate {
  seconds: number;
  /** Architectures without a measured rate (estimated at the slowest measured). */
  unmeasured: string[];
}

/** Seconds for `runs` on `workers` threads: each run's steps at its model's rate, scaled by batch size. */
export function estimateSeconds(cfg: SweepConfig, runs: RunKey[], workers: number, engine: Engine = 'fused'): Estimate {
  const rate = (model: string): number | undefined => STEPS_PER_SECOND[engineFor(model, engine)][model];
  const unmeasured = [...new Set(runs.map((r) => r.model).filter((m) => rate(m) === undefined))];
  const scale = cfg.train.steps * (cfg.train.batchSize / 128);
  const total = runs.reduce((a, r) => a + scale / (rate(r.model) ?? FALLBACK), 0);
  return { seconds: total / Math.max(1, workers), unmeasured };
}

/** 75 → "1m 15s"; 4000 → "1h 7m". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds > 0 && seconds < 0.5) return '< 1s';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
