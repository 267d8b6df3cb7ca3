// Sharding a sweep across machines: shard i of n runs a deterministic, balanced 1/n of the runs.
import { UsageError, usage } from '../errors';
import { parseDecimal } from '../config/number';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** Most shards of one sweep: each is a folder and a process; merge lists the missing ones. */
export const MAX_SHARDS = 10_000;

const FORM = `i/n with 1 <= i <= n <= ${MAX_SHARDS} (e.g. 2/3: plain decimal integers, no spaces), or auto`;

/** An integer written as every other number of the command line (parseDecimal: no spaces, hex or _), or undefined. */
function wholeNumber(text: string): number | undefined {
  const x = parseDecimal(text);
  return x !== undefined && Number.isInteger(x) ? x : undefined;
}

export function parseShardText(text: string, where = '--shard'): Shard {
  const parts = text.split('/');
  const [index, count] = parts.length === 2 ? parts.map(wholeNumber) : [];
  if (index === undefined || count === undefined || count < 1 || count > MAX_SHARDS || index < 1 || index > count) throw usage(where, text, FORM);
  return { index, count };
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const x = wholeNumber(v);
  if (x === undefined || x < 0) throw usage(`environment variable ${name}`, v, 'a non-negative integer in plain decimal, no spaces');
  return x;
}

/**
 * `--shard auto`: the index and count from the scheduler's own variables, first found wins:
 * Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based; count from --shard-count or
 * MMOE_SWEEP_SHARD_COUNT), Slurm job array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN,
 * SLURM_ARRAY_TASK_COUNT), or MMOE_SWEEP_SHARD_INDEX (0-based) with MMOE_SWEEP_SHARD_COUNT
 * (e.g. a GitHub Actions matrix: strategy.job-index and strategy.job-total).
 */
export function shardFromEnv(env: NodeJS.ProcessEnv, countFlag?: number): Shard {
  const explicitCount = countFlag ?? envInt(env, 'MMOE_SWEEP_SHARD_COUNT');
  // the variables' own values in the message: the user never wrote the 1-based i/n built from them
  const make = (zeroBased: number, count: number | undefined, source: string): Shard => {
    if (count === undefined) throw new UsageError(`--shard auto: ${source} is set but the shard count is not; allowed: --shard-count N or MMOE_SWEEP_SHARD_COUNT`, source);
    if (count < 1 || count > MAX_SHARDS) throw new UsageError(`--shard auto: a shard count of ${count}; allowed: 1 to ${MAX_SHARDS}`, String(count));
    const index = source === 'SLURM_ARRAY_TASK_ID' && env.SLURM_ARRAY_TASK_MIN ? `SLURM_ARRAY_TASK_ID=${env.SLURM_ARRAY_TASK_ID} - SLURM_ARRAY_TASK_MIN=${env.SLURM_ARRAY_TASK_MIN}` : `${source}=${env[source]}`;
    if (zeroBased < 0 || zeroBased >= count) throw new UsageError(`--shard auto: ${index} is shard ${zeroBased} (0-based) of ${count}; allowed: 0 to ${count - 1}`, String(zeroBased));
    return { index: zeroBased + 1, count };
  };
  const k8s = envInt(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) return make(k8s, explicitCount, 'JOB_COMPLETION_INDEX');
  const slurm = envInt(env, 'SLURM_ARRAY_TASK_ID');
  if (slurm !== undefined) return make(slurm - (envInt(env, 'SLURM_ARRAY_TASK_MIN') ?? 0), envInt(env, 'SLURM_ARRAY_TASK_COUNT') ?? explicitCount, 'SLURM_ARRAY_TASK_ID');
  const generic = envInt(env, 'MMOE_SWEEP_SHARD_INDEX');
  if (generic !== undefined) return make(generic, explicitCount, 'MMOE_SWEEP_SHARD_INDEX');
  throw new UsageError('--shard auto: none of JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, MMOE_SWEEP_SHARD_INDEX is set (an empty value counts as unset); allowed: run under a scheduler that sets one, or --shard i/n', 'auto');
}

/**
 * Run `run` at the c-th correlation belongs to shard ((c + run) mod n) + 1, for every model and
 * lr: a run's models and lrs share its data (drawn once per step in a run set), so they stay
 * together; round-robin over runs, so each shard holds ~1/n of every model and correlation.
 */
export function shardOfRun(correlationIndex: number, run: number, count: number): number {
  return ((correlationIndex + run) % count) + 1;
}
