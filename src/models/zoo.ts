// The model zoo: a new architecture is one new file and one line here.
import { UsageError } from '../errors';
import { mmoe } from './mmoe';
import { omoe } from './omoe';
import { sharedBottom } from './shared-bottom';
import { Architecture } from './types';

export const ZOO: Record<string, Architecture> = {
  [sharedBottom.name]: sharedBottom,
  [omoe.name]: omoe,
  [mmoe.name]: mmoe,
};

export const MODEL_NAMES = Object.keys(ZOO);

export function architecture(name: string): Architecture {
  const a = ZOO[name];
  if (!a) throw new UsageError(`unknown model ${JSON.stringify(name)}; allowed: ${MODEL_NAMES.join(', ')}`, name, MODEL_NAMES.join(', '));
  return a;
}
