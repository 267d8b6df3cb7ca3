// The fused engines by architecture name. An architecture without one trains on tfjs unchanged.
import { FusedArchitecture } from './types';
import { mmoe } from './mmoe';
import { omoe } from './omoe';
import { sharedBottom } from './shared-bottom';
import { singleTask } from './single-task';
import { cgc } from './cgc';
import { ple } from './ple';
import { crossStitch } from './cross-stitch';
import { l2Constrained } from './l2-constrained';

const FUSED: Record<string, FusedArchitecture> = Object.fromEntries(
  [mmoe, omoe, sharedBottom, singleTask, cgc, ple, crossStitch, l2Constrained].map((a) => [a.name, a]),
);

/** The fused implementation of an architecture, or undefined when it has none. */
export function fusedArchitecture(name: string): FusedArchitecture | undefined {
  return Object.prototype.hasOwnProperty.call(FUSED, name) ? FUSED[name] : undefined;
}

export * from './types';
