// The fused engines by architecture name. An architecture without one trains on tfjs unchanged.
import { FusedArchitecture } from './types';

const FUSED: Record<string, FusedArchitecture> = {};

/** The fused implementation of an architecture, or undefined when it has none. */
export function fusedArchitecture(name: string): FusedArchitecture | undefined {
  return Object.prototype.hasOwnProperty.call(FUSED, name) ? FUSED[name] : undefined;
}

export * from './types';
