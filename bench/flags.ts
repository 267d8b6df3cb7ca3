// The benchmarks' own flags: numbers read as the CLI reads them (src/config/number.ts), so
// "0x10", "", " 5" or "8,,32" are refused with one line instead of timing another configuration.
import { UsageError, usage } from '../src/errors';
import { decimalFlag } from '../src/config/number';

/** A whole number >= min, in plain decimal. */
export function intFlag(flag: string, text: string | undefined, min = 1): number {
  if (text === undefined) throw usage(flag, '(missing)', `an integer >= ${min}`);
  return decimalFlag(flag, text, (x) => Number.isInteger(x) && x >= min, `an integer >= ${min}`);
}

/** A comma-separated list of whole numbers >= min (no spaces, no empty items). */
export function intListFlag(flag: string, text: string | undefined, min = 1): number[] {
  if (text === undefined) throw usage(flag, '(missing)', `a comma-separated list of integers >= ${min}`);
  return text.split(',').map((t) => intFlag(flag, t, min));
}

/** A number in (0, 1), in plain decimal. */
export function fractionFlag(flag: string, text: string): number {
  return decimalFlag(flag, text, (x) => x > 0 && x < 1, 'a number in (0, 1)');
}

/** Runs a benchmark: a flag it refuses is one line on stderr and exit 2; anything else a bug (exit 1, with its trace). */
export function runBench(name: string, main: () => unknown): void {
  const fail = (e: unknown) => {
    if (e instanceof UsageError) process.stderr.write(`${name}: ${e.message}\n`);
    else console.error((e as Error)?.stack ?? String(e));
    process.exitCode = e instanceof UsageError ? 2 : 1;
  };
  try {
    void Promise.resolve(main()).catch(fail);
  } catch (e) {
    fail(e);
  }
}
