// Flag numbers are plain decimal: Number() reads "0x10" as 16, "" as 0 and " 5" as 5, so a typo
// became another study. Each flag kind (a number, a list, an integer, --set) refuses the same texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors';
import { DECIMAL_FORM, parseDecimal } from '../../src/config/number';
import { flagsToPartial } from '../../src/config/load';
import { parseSets } from '../../src/config/grid';
import { positiveInt } from '../../src/cli/options';

/** Not plain decimal: Number() reads many of these as a number ("0x10" 16, " 5" 5, "" 0), the rest it refuses too. */
const LENIENT = ['0x10', '0X1f', '0b1', '0o7', 'Infinity', '-Infinity', ' 5', '5 ', '\t5', '5\n', '1_000', '', ' ', '+', '-', '.', 'e5', '1e', '1e+', '.5.', '1.2.3', '5..', '--5', '+-5', '١', '5f', 'NaN', '1e400'];

test('parseDecimal reads plain decimal numbers and nothing else', () => {
  const ok: [string, number][] = [['0', 0], ['5', 5], ['-5', -5], ['+5', 5], ['0.5', 0.5], ['.5', 0.5], ['5.', 5], ['-.5', -0.5], ['1e-3', 0.001], ['1E3', 1000], ['2.5e+2', 250], ['007', 7], ['1e308', 1e308]];
  for (const [text, want] of ok) assert.equal(parseDecimal(text), want, text);
  assert.ok(Object.is(parseDecimal('-0'), 0), 'a lone -0 is 0');
  for (const text of LENIENT) assert.equal(parseDecimal(text), undefined, JSON.stringify(text));
  // the texts really are lenient in Number(): the cases test something
  assert.equal(Number('0x10'), 16);
  assert.equal(Number(' 5'), 5);
  assert.equal(Number(''), 0);
});

/** The one line a flag refusal prints: names the flag and the text, says what is allowed. */
function refuses(fn: () => unknown, flag: string, text: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UsageError, `not a UsageError: ${e}`);
    assert.ok(e.message.startsWith(`${flag}: got ${JSON.stringify(text)}; allowed: `), e.message);
    assert.ok(e.message.includes(DECIMAL_FORM), e.message);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  }, `${flag} ${JSON.stringify(text)} accepted`);
}

test('numeric flags of the sweep refuse every non-decimal text, naming the flag and the text', () => {
  for (const text of LENIENT) {
    refuses(() => flagsToPartial({ lr: text }), '--lr', text); // a list of numbers
    refuses(() => flagsToPartial({ correlation: text }), '--correlation', text);
    refuses(() => flagsToPartial({ runs: text }), '--runs', text); // an integer
    refuses(() => flagsToPartial({ seed: text }), '--seed', text);
    refuses(() => positiveInt('--jobs', text), '--jobs', text);
    refuses(() => parseSets([`data.noiseStd=${text}`]), '--set data.noiseStd', text);
  }
  // one bad item of a list is named on its own
  refuses(() => flagsToPartial({ lr: '0.01,0x10' }), '--lr', '0x10');
  refuses(() => flagsToPartial({ correlation: '0.5, 0.9' }), '--correlation', ' 0.9');
  refuses(() => parseSets(['model.experts=4,0b1000']), '--set model.experts', '0b1000');
  refuses(() => flagsToPartial({ lr: '0.5,' }), '--lr', '');
});

test('plain decimal texts keep working, exponents and a leading dot included', () => {
  assert.deepEqual(flagsToPartial({ lr: '1e-3,.01,0.1', correlation: '-0.5,+1,0.', runs: '1e2', seed: '0', steps: '2.0e1' }), {
    train: { lr: [0.001, 0.01, 0.1], steps: 20 },
    sweep: { correlations: [-0.5, 1, 0], runs: 100, seed: 0 },
  });
  assert.equal(positiveInt('--jobs', '2'), 2);
  assert.equal(positiveInt('--replicas', '1e1'), 10);
  assert.deepEqual(parseSets(['model.experts=4,8', 'data.noiseStd=.1,1e-2']), { 'model.experts': [4, 8], 'data.noiseStd': [0.1, 0.01] });
});

test('integer flags refuse a fractional value, with the range, not the decimal form', () => {
  for (const [fn, flag] of [[() => flagsToPartial({ runs: '2.5' }), '--runs'], [() => flagsToPartial({ seed: '1.5' }), '--seed'], [() => flagsToPartial({ steps: '1e-1' }), '--steps'], [() => positiveInt('--jobs', '1.5'), '--jobs'], [() => parseSets(['model.experts=2.5']), '--set model.experts']] as const) {
    assert.throws(fn, (e: unknown) => e instanceof UsageError && e.message.startsWith(`${flag}: got `) && /an integer/.test(e.message), flag);
  }
  assert.throws(() => positiveInt('--jobs', '0'), /--jobs: got "0"; allowed: an integer >= 1$/);
  assert.throws(() => positiveInt('--jobs', '-3'), /--jobs: got "-3"; allowed: an integer >= 1$/);
});
