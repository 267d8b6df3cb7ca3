// The fused engines by architecture name. An architecture without one trains on tfjs unchanged.
import { FusedArchitecture } from './types';
import { mmoe } from './mmoe';
import { omoe } from './omoe';
import { sharedBottom } from './shared-bottom';

const FUSED: Record<string, FusedArchitecture> = Object.fromEntries([mmoe, omoe, sharedBottom].map((a) => [a.name, a]));

/** The fused implementation of an architecture, or undefined when it has none. */
export function fusedArchitecture(name: string): FusedArchitecture | undefined {
  return Object.prototype.hasOwnProperty.call(FUSED, name) ? FUSED[name] : undefined;
}

export * from './types';
