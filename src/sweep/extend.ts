// Extending a finished sweep with more runs: run i's seed depends on (base seed, i, correlation)
// only, never on how many runs there are, so the runs already in the folder stay valid and a
// larger --runs has only the new ones to train. Any other change is a different sweep.
import { SweepConfig } from '../config/defaults';
import { canonicalJson } from '../config/load';

/** True when `next` is `prev` with more runs per cell and nothing else changed. */
export function extendsRuns(prev: SweepConfig | undefined, next: SweepConfig): boolean {
  if (!prev?.sweep || !(next.sweep.runs > prev.sweep.runs)) return false;
  return canonicalJson({ ...prev, sweep: { ...prev.sweep, runs: next.sweep.runs } }) === canonicalJson(next);
}
