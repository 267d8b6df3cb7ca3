// Numbers typed on the command line: plain decimal only. Number() also reads "0x10" (16),
// "0b1", "0o7", "Infinity", " 5 " and "" (0), so a typo silently became another study.
import { usage } from '../errors';

/** Optional sign, digits with an optional fraction (".5" and "5." too, as C and Python read them), optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** What a flag's number may look like, for the messages. */
export const DECIMAL_FORM = 'plain decimal (e.g. 0.01, -0.5, .5, 1e-3; no spaces, hex, _ or Infinity)';

/** The number a plain decimal text names, or undefined for any other text (and for one too large to be finite, e.g. 1e400). */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const x = Number(text);
  return Number.isFinite(x) ? (Object.is(x, -0) ? 0 : x) : undefined;
}

/** A flag's number, or the one-line UsageError naming the flag, the text and what is allowed. */
export function decimalFlag(flag: string, text: string, ok: (x: number) => boolean, allowed: string): number {
  const x = parseDecimal(text);
  if (x === undefined) throw usage(flag, text, `${allowed}, written in ${DECIMAL_FORM}`);
  if (!ok(x)) throw usage(flag, text, allowed);
  return x;
}
