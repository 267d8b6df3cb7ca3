// Claims on synthetic sweep folders whose truth is known: one that must pass, one that must
// fail, one the runs cannot decide, and claims the sweep lacks the models or correlations for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { checkFailures, judgeClaims, Claim, sanityGates, sweepDesign } from '../../src/report/claims';
import { loadSweep, runsOf } from '../../src/report/load';
import { iqr } from '../../src/report/stats';
import { stream } from '../../src/engine/random';
import { tmpDir } from '../helpers/cli';
import { PAPER_LIKE, Truth, writeSynthetic } from './synthetic';

const MODELS = ['shared-bottom', 'omoe', 'mmoe'];
const base = tmpDir('claims');
let count = 0;

function judge(models: string[], correlations: number[], runs: number, truth: Truth, margin?: number, paired = false): Record<string, Claim> {
  const dir = writeSynthetic(path.join(base, String(count++)), { models, correlations, runs, truth, paired });
  const claims = judgeClaims(loadSweep(dir, 'normalized'), margin === undefined ? {} : { margin });
  return Object.fromEntries(claims.map((c) => [c.id, c]));
}

test("the paper's own Figure 4 numbers, 30 runs: every claim passes (C5 with a 30% margin)", () => {
  const c = judge(MODELS, [0.5, 1], 30, PAPER_LIKE, 0.3);
  for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) assert.equal(c[id].verdict, 'pass', `${id}: ${JSON.stringify(c[id].comparisons.map((x) => [x.what, x.p, x.effect]))}`);
  assert.equal(c.C1.comparisons.length, 4); // 2 correlations × (shared-bottom > omoe, omoe > mmoe)
  assert.equal(c.C4.comparisons.length, 4); // 2 correlations × (omoe, mmoe)
  for (const x of c.C1.comparisons) {
    assert.equal(x.test, 'wilcoxon');
    assert.equal(x.n, '30 pairs');
    assert.ok(x.effect > 0 && x.rankBiserial > 0 && x.p < 0.05);
    assert.ok(x.needed <= 30, `${x.what} resolved at 30 runs, so it needs at most about 30: ${x.needed}`);
  }
  assert.equal(c.C2.comparisons[0].test, 'mann-whitney');
  assert.equal(c.C4.comparisons[0].test, 'brown-forsythe');
});

test("C5 at a 10% margin fails on the paper's own numbers: mmoe's 0.082 at p = 0.5 is 17% above 0.07", () => {
  const c = judge(['mmoe'], [0.5, 1], 30, PAPER_LIKE, 0.1);
  assert.equal(c.C5.verdict, 'fail');
  assert.ok(c.C5.comparisons[0].effect < 0);
  // 0.082 / 0.07 = +17.1%; 30 runs of per-run sd 0.0036 put about 1.4 points of sampling sd on it
  const rise = Number(/\+(\d+\.\d)%/.exec(c.C5.note)?.[1]);
  assert.ok(Math.abs(rise - 17.1) < 4.5, `observed rise ${rise}% in: ${c.C5.note}`);
});

test('mmoe worse than omoe at every correlation: C1 fails', () => {
  const truth: Truth = (model, p, run, noise) => PAPER_LIKE(model === 'mmoe' ? 'omoe' : model, p, run, noise) + (model === 'mmoe' ? 0.02 : 0);
  const c = judge(MODELS, [0.5, 1], 20, truth);
  assert.equal(c.C1.verdict, 'fail');
  const bad = c.C1.comparisons.filter((x) => x.what.endsWith('omoe > mmoe'));
  assert.equal(bad.length, 2);
  for (const x of bad) assert.equal(x.verdict, 'fail');
  for (const x of c.C1.comparisons.filter((x) => x.what.includes('shared-bottom >'))) assert.equal(x.verdict, 'pass');
});

test('identical models with 3 runs: every claim unresolved (no test can reach 0.05 with 3 runs)', () => {
  const truth: Truth = (model, p, run, noise) => 0.1 + 0.01 * [noise(), noise(), noise()][MODELS.indexOf(model)];
  const c = judge(MODELS, [0.5, 1], 3, truth, 0); // margin 0: C5 asks for no rise at all
  for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) assert.equal(c[id].verdict, 'unresolved', id);
  assert.ok(Number.isNaN(c.C1.needed), 'too few runs to estimate the runs needed');
  for (const x of c.C1.comparisons) assert.ok(x.p >= 0.25 - 1e-12, `3 pairs: the smallest exact p is 2/8; got ${x.p}`);
  for (const x of [...c.C2.comparisons, ...c.C3.comparisons, ...c.C5.comparisons]) assert.ok(x.p >= 0.1 - 1e-12, `3 vs 3: the smallest exact p is 2/20; got ${x.p}`);
});

test('a small effect among large spread: unresolved, with an estimate of the runs needed above the runs there are', () => {
  const truth: Truth = (model, p, run, noise) => 0.2 + 0.05 * [noise(), noise(), noise()][MODELS.indexOf(model)] + (model === 'shared-bottom' ? 0.005 : 0);
  const c = judge(MODELS, [1], 12, truth);
  assert.equal(c.C1.verdict, 'unresolved');
  const sb = c.C1.comparisons.find((x) => x.what.includes('shared-bottom > omoe'))!;
  assert.ok(sb.needed > 12, `needs more than 12 runs: ${sb.needed}`);
});

test('claims needing absent models or correlations are not applicable', () => {
  const one = judge(['mmoe'], [0.5], 5, PAPER_LIKE);
  for (const id of ['C1', 'C2', 'C3', 'C4', 'C5']) assert.equal(one[id].verdict, 'not applicable', id);
  const noSb = judge(['omoe', 'mmoe'], [0.5, 1], 5, PAPER_LIKE);
  assert.equal(noSb.C3.verdict, 'not applicable');
  assert.equal(noSb.C4.verdict, 'not applicable');
  assert.notEqual(noSb.C1.verdict, 'not applicable');
  assert.equal(noSb.C1.comparisons.length, 2); // omoe > mmoe at each correlation
  const oneCorrelation = judge(MODELS, [1], 5, PAPER_LIKE);
  for (const id of ['C2', 'C3', 'C5']) assert.equal(oneCorrelation[id].verdict, 'not applicable', id);
});

test('three correlations: C3 compares each neighbouring pair, C2 and C5 the extremes', () => {
  const c = judge(MODELS, [0.5, 0.9, 1], 6, PAPER_LIKE);
  assert.deepEqual(c.C3.comparisons.map((x) => x.what), ['p=0.5 > p=0.9', 'p=0.9 > p=1']);
  assert.match(c.C2.comparisons[0].what, /p=0\.5 .* p=1$/);
  assert.equal(c.C1.comparisons.length, 6);
});

// A run's data draw moves its loss a lot (sd 0.05) at every correlation; the correlation moves
// it a little (0.01 per step down) plus a small jitter of its own (sd 0.003).
const RUN_EFFECT: Truth = (model, p, run, noise) => {
  const own = stream(`jitter|${model}|${p}|${run}`).normal();
  return 0.3 + 0.05 * noise() + (1 - p) * 0.02 + 0.002 * own + (model === 'omoe' ? 0.05 : model === 'shared-bottom' ? 0.1 : 0);
};

test('paired design across correlations: C3 and C5 use signed-rank tests by run index and need far fewer runs', () => {
  const unpaired = judge(MODELS, [0.5, 1], 10, RUN_EFFECT, 0.2, false);
  const paired = judge(MODELS, [0.5, 1], 10, RUN_EFFECT, 0.2, true);
  assert.equal(unpaired.C3.comparisons[0].test, 'mann-whitney');
  assert.equal(paired.C3.comparisons[0].test, 'wilcoxon');
  assert.equal(paired.C3.comparisons[0].nPairs, 10);
  assert.ok(Number.isNaN(unpaired.C3.comparisons[0].nPairs));
  // the 0.01 rise is buried in the 0.05 run spread for independent samples, plain when paired
  assert.equal(unpaired.C3.verdict, 'unresolved');
  assert.equal(paired.C3.verdict, 'pass');
  assert.ok(paired.C3.comparisons[0].p <= 2 / 1024 + 1e-12, `every pair agrees: exact p = 2/2^10; got ${paired.C3.comparisons[0].p}`);
  assert.ok(paired.C3.needed < unpaired.C3.needed / 10, `paired ${paired.C3.needed} vs unpaired ${unpaired.C3.needed}`);
  assert.equal(paired.C5.comparisons[0].test, 'wilcoxon');
  assert.equal(paired.C2.comparisons[0].test, 'wilcoxon');
  assert.match(paired.C3.note, /paired by run index across correlations/);
  assert.match(unpaired.C3.note, /independent samples/);
});

test('sweepDesign reads the seed column: equal seeds by run index across correlations → paired', () => {
  const dirOf = (paired: boolean) => writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: [0.5, 0.9, 1], runs: 4, truth: PAPER_LIKE, paired });
  assert.deepEqual(sweepDesign(loadSweep(dirOf(true), 'normalized')), { paired: true, text: 'paired by run index across correlations' });
  assert.deepEqual(sweepDesign(loadSweep(dirOf(false), 'normalized')), { paired: false, text: 'independent samples across correlations' });
  const one = writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: [0.5], runs: 4, truth: PAPER_LIKE, paired: true });
  assert.equal(sweepDesign(loadSweep(one, 'normalized')).paired, false, 'one correlation: nothing to pair across');
});

test('C4 sees a bad mode the IQR misses: 4 of 20 shared-bottom runs far out, the middle half as tight as the mixtures', () => {
  const truth: Truth = (model, p, run, noise) => {
    const z = noise();
    return model === 'shared-bottom' ? 0.25 + 0.01 * z + (run % 5 === 1 ? 0.2 : 0) : (model === 'omoe' ? 0.15 : 0.1) + 0.01 * z;
  };
  const dir = writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: [0.5], runs: 20, truth });
  const s = loadSweep(dir, 'normalized');
  const sb = [...runsOf(s, 'shared-bottom', 0.5).values()];
  const mm = [...runsOf(s, 'mmoe', 0.5).values()];
  assert.ok(Math.abs(iqr(sb) - iqr(mm)) < 0.01, `the IQRs barely differ: ${iqr(sb)} vs ${iqr(mm)}`);
  const c4 = Object.fromEntries(judgeClaims(s).map((c) => [c.id, c])).C4;
  assert.equal(c4.verdict, 'pass', JSON.stringify(c4.comparisons.map((x) => [x.what, x.statistic, x.p])));
  for (const x of c4.comparisons) {
    assert.equal(x.test, 'brown-forsythe');
    // mean |x − median|: 4 runs 0.2 out of 20 put about 4·0.2/20 = 0.04 on top of the common jitter
    assert.ok(x.effect > 0.03 && x.effect < 0.05, `effect ${x.effect}`);
    assert.ok(x.effectLow < x.effect && x.effect < x.effectHigh);
  }
});

test('sanity gates: a model with mean normalized loss ≥ 1 fails the check, and a claim about it cannot pass', () => {
  // everything at 1.3 (worse than predicting the mean); mmoe flat across correlations, so C5 would pass
  const truth: Truth = (model, p, run, noise) => 1.3 + 0.01 * noise() + (model === 'mmoe' ? 0 : 0.02);
  const dir = writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: [0.5, 1], runs: 12, truth });
  const s = loadSweep(dir, 'normalized');
  const gates = sanityGates(s);
  assert.deepEqual(gates.map((g) => [g.id, g.verdict]), [['S-shared-bottom', 'fail'], ['S-omoe', 'fail'], ['S-mmoe', 'fail']]);
  assert.match(gates[2].text, /^mmoe learnt nothing: mean normalized loss 1\.[23]\d* at p=/);
  const claims = judgeClaims(s, { margin: 0.2 });
  const c5 = claims.find((c) => c.id === 'C5')!;
  assert.equal(c5.comparisons[0].verdict, 'pass', 'the comparison itself holds');
  assert.equal(c5.verdict, 'unresolved', 'but the claim does not pass');
  assert.match(c5.note, /mmoe learnt nothing/);
  assert.ok(checkFailures(claims, gates, false).some((f) => f.startsWith('S-mmoe')));
  // and a sweep that learnt passes every gate
  const good = sanityGates(loadSweep(writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: [0.5, 1], runs: 4, truth: PAPER_LIKE }), 'normalized'));
  assert.ok(good.every((g) => g.verdict === 'pass'));
});

test('--strict: unresolved claims count as failures; not applicable ones do not', () => {
  const c = judge(MODELS, [0.5, 1], 3, PAPER_LIKE);
  const claims = Object.values(c);
  assert.deepEqual(checkFailures(claims, [], false), []);
  assert.deepEqual(checkFailures(claims, [], true), ['C1 unresolved (--strict)', 'C2 unresolved (--strict)', 'C3 unresolved (--strict)', 'C4 unresolved (--strict)', 'C5 unresolved (--strict)']);
  const na = Object.values(judge(['mmoe'], [0.5], 5, PAPER_LIKE));
  assert.deepEqual(checkFailures(na, [], true), []);
});
