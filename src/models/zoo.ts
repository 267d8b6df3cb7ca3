// The model zoo: a new architecture is one new file and one line here.
import { UsageError } from '../errors';
import { cgc } from './cgc';
import { crossStitch } from './cross-stitch';
import { l2Constrained } from './l2-constrained';
import { mmoe } from './mmoe';
import { omoe } from './omoe';
import { ple } from './ple';
import { sharedBottom } from './shared-bottom';
import { singleTask } from './single-task';
import { Architecture } from './types';

export const ZOO: Record<string, Architecture> = {
  [sharedBottom.name]: sharedBottom,
  [omoe.name]: omoe,
  [mmoe.name]: mmoe,
  [singleTask.name]: singleTask,
  [cgc.name]: cgc,
  [ple.name]: ple,
  [crossStitch.name]: crossStitch,
  [l2Constrained.name]: l2Constrained,
};

/** The built-in names; a --model-file architecture is appended by registerArchitecture (custom.ts). */
export const BUILTIN_NAMES: readonly string[] = Object.keys(ZOO);

/** Every registered name (the same array object throughout, so importers see registrations). */
export const MODEL_NAMES: string[] = Object.keys(ZOO);

export function registerArchitecture(a: Architecture): void {
  ZOO[a.name] = a;
  if (!MODEL_NAMES.includes(a.name)) MODEL_NAMES.push(a.name);
}

export function architecture(name: string): Architecture {
  const a = ZOO[name];
  if (!a) {
    const hint = ' (a model of your own: --model-file FILE, docs/MODELS.md)';
    throw new UsageError(`unknown model ${JSON.stringify(name)}; allowed: ${MODEL_NAMES.join(', ')}${hint}`, name, MODEL_NAMES.join(', '));
  }
  return a;
}
