// The paper's claims about its synthetic study (§5, Figures 3–5), each judged from the runs
// with a test, an effect size, a p-value, and the runs it would need to be resolved.
//
// Every claim is a set of directional comparisons ("A's loss is above B's"). Each comparison
// gets a two-sided test; with k comparisons in a claim:
//   pass        p < alpha, and both the test's direction and the mean effect agree with the claim
//   fail        p < alpha / k (Bonferroni), and both point against the claim
//   unresolved  otherwise: at this number of runs the data cannot tell
// A claim passes when all its comparisons pass (an intersection–union test: no correction
// needed), fails when any fails, and is unresolved otherwise. A claim that needs models or
// correlations the sweep lacks is "not applicable".
//
// Design. Models are always paired by run index (run i of every model sees the same data and
// seed). Across correlations (C2, C3, C5) the runs are paired too when run i has the same seed
// at every correlation (common random numbers: the same u1, u2, rows, noise and initial
// weights, only w2 and so y2 change with p); then those claims use the Wilcoxon signed-rank
// test on per-run differences and the paired sample-size formula, which removes the run-to-run
// spread both correlations share. Otherwise they compare independent samples (Mann–Whitney U).
// sweepDesign() says which; the report prints it.
//
// C4, the spread (the paper's Figure 5 "bad mode": a minority of shared-bottom runs stuck far
// above the rest). The statistic is decided before the study: the Brown–Forsythe test
// (Levene's test centred on the median, scipy.stats.levene(center='median')), which compares
// the mean absolute deviation from each model's median. A run 0.2 above the median counts
// twenty times as much as a run 0.01 above it, so the bad mode drives the verdict, where the
// IQR (the earlier statistic) ignores every run outside the middle half; the median centre
// keeps it valid for skewed losses (Brown & Forsythe 1974), where the classic F test of
// variances is not. It treats the two models' runs as independent samples; with runs paired
// by index and positively correlated (a hard data draw is hard for every model) that only
// makes it conservative. Effect: mean |loss − median| of shared-bottom minus the other's.
//
// Sanity gates. Whatever the claims say, a model whose mean normalized loss in some cell is
// ≥ 1 has learnt nothing (no better than predicting the mean label): `report --check` fails on
// it, and a claim that involves such a model cannot pass (it is unresolved at best).
import { Cell, cellKey, pointText, runsOf, Sweep } from './load';
import { absDeviations, bootstrap, brownForsythe, mannWhitneyU, mean, meanAbsDeviation, runsNeeded, sd, wilcoxonSignedRank } from './stats';

export type Verdict = 'pass' | 'fail' | 'unresolved' | 'not applicable';

export interface ClaimOptions {
  /** Significance level of each comparison. */
  alpha: number;
  /** C5: mmoe's mean loss at the lowest correlation may exceed its loss at the highest by this fraction. */
  margin: number;
  /** Power assumed when estimating the runs a comparison needs. */
  power: number;
  /** Bootstrap resamples (the confidence interval of every effect). */
  resamples: number;
}

// margin 0.2: the paper's own Figure 4 has mmoe at 0.082 (p = 0.5) against 0.07 (p = 1), +17%; a
// 10% margin would fail the paper's published numbers.
export const CLAIM_DEFAULTS: ClaimOptions = { alpha: 0.05, margin: 0.2, power: 0.8, resamples: 2000 };

export interface Comparison {
  claim: string;
  /** What is compared, e.g. "p=0.5: omoe > mmoe". */
  what: string;
  /** The quantity compared: "final loss", "omoe − mmoe gap", "spread" (C4) or "1.2 × final loss" (C5, first side). */
  quantity: string;
  /** The claim says the quantity of the first model (at the first correlation) is above the second's; one entry when both sides are the same model. */
  models: string[];
  /** The correlations of the two sides, in the same order; one entry when both sides are at the same correlation. */
  correlations: number[];
  test: 'wilcoxon' | 'mann-whitney' | 'brown-forsythe';
  /** Paired runs, or the two sample sizes, as text ("20 pairs", "20 vs 20"). */
  n: string;
  /** Runs on the first side and on the second. */
  nA: number;
  nB: number;
  /** Runs paired by index (NaN for unpaired tests). */
  nPairs: number;
  /** W+ (Wilcoxon), U (Mann–Whitney) or F (Brown–Forsythe). */
  statistic: number;
  /** Signed so that > 0 supports the claim, in loss units. */
  effect: number;
  /** Bootstrap 95% interval of the effect. */
  effectLow: number;
  effectHigh: number;
  /** effect / the reference's mean (C4: its mean absolute deviation from the median). */
  relative: number;
  /** Rank-biserial correlation, signed so that > 0 supports the claim (NaN for Brown–Forsythe). */
  rankBiserial: number;
  p: number;
  /** Runs (per group for unpaired comparisons) for this effect to reach p < alpha with the given power. */
  needed: number;
  verdict: Verdict;
}

export interface Claim {
  id: string;
  text: string;
  verdict: Verdict;
  /** The most any comparison needs (NaN when not applicable). */
  needed: number;
  comparisons: Comparison[];
  /** Why a claim is not applicable, or what it compares. */
  note: string;
  /** The combination of the --set axes judged, when the report covers several (absent otherwise). */
  combination?: Record<string, number>;
}

/** "C1", or "C1 [model.experts=4]" when the report judges the claims per combination. */
export const claimName = (c: { id: string; combination?: Record<string, number> }): string => (c.combination ? `${c.id} [${pointText(c.combination)}]` : c.id);

const SB = 'shared-bottom';

/** Below this many runs per sample the spread is too poorly known to estimate the runs needed. */
export const MIN_RUNS_FOR_ESTIMATE = 5;

const estimate = (n: number, needed: number) => (n < MIN_RUNS_FOR_ESTIMATE ? NaN : needed);

/** Both directions must agree: the test's (rank) direction and the sign of the mean effect. */
function decide(p: number, direction: number, effect: number, alpha: number, k: number): Verdict {
  if (p < alpha && direction > 0 && effect > 0) return 'pass';
  if (p < alpha / k && direction < 0 && effect < 0) return 'fail';
  return 'unresolved';
}

function combine(comparisons: Comparison[]): Verdict {
  if (comparisons.some((c) => c.verdict === 'fail')) return 'fail';
  if (comparisons.length > 0 && comparisons.every((c) => c.verdict === 'pass')) return 'pass';
  return 'unresolved';
}

const pooledSd = (a: number[], b: number[]) => Math.sqrt(((sd(a) || 0) ** 2 + (sd(b) || 0) ** 2) / 2);

/** Which two cells a comparison puts side by side: the claim says side a's quantity is above side b's. */
interface Sides {
  quantity: string;
  models: string[];
  correlations: number[];
}

/** Runs of two cells paired by run index: the indices present (and not diverged) in both. */
function pairUp(a: Map<number, number>, b: Map<number, number>): { hi: number[]; lo: number[] } {
  const runs = [...a.keys()].filter((r) => b.has(r)).sort((x, y) => x - y);
  return { hi: runs.map((r) => a.get(r)!), lo: runs.map((r) => b.get(r)!) };
}

const paired = (s: Sweep, high: string, low: string, p: number) => pairUp(runsOf(s, high, p), runsOf(s, low, p));

export interface Design {
  /** Run i has the same seed at every correlation (for every model), so comparisons across correlations pair runs by index. */
  paired: boolean;
  /** As the report prints it. */
  text: 'paired by run index across correlations' | 'independent samples across correlations';
}

/** The sweep's design across correlations, read from runs.csv's seed column. */
export function sweepDesign(s: Sweep): Design {
  let shared = 0;
  for (const model of s.models) {
    const cells = s.correlations.map((p) => s.cells.get(cellKey(model, p))).filter((c): c is Cell => c !== undefined);
    if (cells.length < 2) continue;
    for (const [run, seed] of cells[0].seeds) {
      for (const c of cells.slice(1)) {
        if (!c.seeds.has(run)) continue;
        if (c.seeds.get(run) !== seed) return { paired: false, text: 'independent samples across correlations' };
        shared++;
      }
    }
  }
  return shared > 0 ? { paired: true, text: 'paired by run index across correlations' } : { paired: false, text: 'independent samples across correlations' };
}

/** "hi's loss is above lo's" on paired runs: Wilcoxon signed-rank of hi − lo. */
function pairedAbove(claim: string, what: string, sides: Sides, hi: number[], lo: number[], o: ClaimOptions, reference = mean(lo)): Omit<Comparison, 'verdict'> {
  const d = hi.map((v, i) => v - lo[i]);
  const w = wilcoxonSignedRank(d);
  const avg = (idx: number[]) => mean(idx.map((i) => d[i]));
  const b = bootstrap([d.length], ([idx]) => avg(idx), `report|${claim}|${what}`, o.resamples);
  const effect = mean(d);
  return {
    claim,
    what,
    ...sides,
    test: 'wilcoxon',
    n: `${d.length} pairs`,
    nA: d.length,
    nB: d.length,
    nPairs: d.length,
    statistic: w.statistic,
    effect,
    effectLow: b.low,
    effectHigh: b.high,
    relative: effect / reference,
    rankBiserial: w.rankBiserial,
    p: d.length ? w.p : 1,
    needed: estimate(d.length, runsNeeded(effect, sd(d), { alpha: o.alpha, power: o.power, samples: 'paired' })),
  };
}

/** "hi's values are above lo's" for independent samples: Mann–Whitney U. */
function unpairedAbove(claim: string, what: string, sides: Sides, hi: number[], lo: number[], o: ClaimOptions, reference = mean(lo)): Omit<Comparison, 'verdict'> {
  const u = mannWhitneyU(hi, lo);
  const b = bootstrap([hi.length, lo.length], ([i, j]) => mean(i.map((k) => hi[k])) - mean(j.map((k) => lo[k])), `report|${claim}|${what}`, o.resamples);
  const effect = mean(hi) - mean(lo);
  return {
    claim,
    what,
    ...sides,
    test: 'mann-whitney',
    n: `${hi.length} vs ${lo.length}`,
    nA: hi.length,
    nB: lo.length,
    nPairs: NaN,
    statistic: u.statistic,
    effect,
    effectLow: b.low,
    effectHigh: b.high,
    relative: effect / reference,
    rankBiserial: u.rankBiserial,
    p: hi.length && lo.length ? u.p : 1,
    needed: estimate(Math.min(hi.length, lo.length), runsNeeded(effect, pooledSd(hi, lo), { alpha: o.alpha, power: o.power, samples: 'two' })),
  };
}

/** "a is above b" across correlations: paired by run index in a paired design, else independent samples. */
function acrossAbove(design: Design, claim: string, what: string, sides: Sides, a: Map<number, number>, b: Map<number, number>, o: ClaimOptions, reference?: number) {
  if (design.paired) {
    const { hi, lo } = pairUp(a, b);
    return pairedAbove(claim, what, sides, hi, lo, o, reference ?? mean(lo));
  }
  const lo = [...b.values()];
  return unpairedAbove(claim, what, sides, [...a.values()], lo, o, reference ?? mean(lo));
}

const acrossNote = (design: Design) =>
  design.paired ? 'paired by run index across correlations (the same seed), Wilcoxon signed-rank on the per-run difference' : 'independent samples across correlations (different seeds), Mann–Whitney U';

function finish(id: string, text: string, parts: Omit<Comparison, 'verdict'>[], o: ClaimOptions, note: string): Claim {
  const comparisons = parts.map((c) => ({
    ...c,
    verdict: decide(c.p, c.test === 'brown-forsythe' ? Math.sign(c.effect) : c.rankBiserial, c.effect, o.alpha, parts.length),
  }));
  // NaN (cannot estimate) when any comparison has too few runs to say
  const needed = comparisons.length && comparisons.every((c) => !Number.isNaN(c.needed)) ? Math.max(...comparisons.map((c) => c.needed)) : NaN;
  return { id, text, verdict: combine(comparisons), needed, comparisons, note };
}

const notApplicable = (id: string, text: string, note: string): Claim => ({ id, text, verdict: 'not applicable', needed: NaN, comparisons: [], note });

const has = (s: Sweep, m: string) => s.models.includes(m);

/** C1: at each correlation, mean final loss mmoe ≤ omoe ≤ shared-bottom. */
function c1(s: Sweep, o: ClaimOptions): Claim {
  const text = 'at each correlation, mean final loss mmoe ≤ omoe ≤ shared-bottom';
  const order = [SB, 'omoe', 'mmoe'].filter((m) => has(s, m)); // worst first
  if (order.length < 2) return notApplicable('C1', text, `needs two of shared-bottom, omoe, mmoe; the sweep has ${s.models.join(', ')}`);
  const parts: Omit<Comparison, 'verdict'>[] = [];
  for (const p of s.correlations) {
    for (let i = 0; i + 1 < order.length; i++) {
      const { hi, lo } = paired(s, order[i], order[i + 1], p);
      parts.push(pairedAbove('C1', `p=${p}: ${order[i]} > ${order[i + 1]}`, { quantity: 'final loss', models: [order[i], order[i + 1]], correlations: [p] }, hi, lo, o));
    }
  }
  return finish('C1', text, parts, o, 'paired by run index (same data and seed), Wilcoxon signed-rank on the per-run difference');
}

function extremes(s: Sweep): { low: number; high: number } | null {
  return s.correlations.length >= 2 ? { low: s.correlations[0], high: s.correlations[s.correlations.length - 1] } : null;
}

/** C2: the omoe − mmoe gap is larger at the lowest correlation than at the highest. */
function c2(s: Sweep, o: ClaimOptions, design: Design): Claim {
  const text = 'the omoe − mmoe gap is larger at the lowest correlation than at the highest';
  const e = extremes(s);
  if (!has(s, 'omoe') || !has(s, 'mmoe') || !e) return notApplicable('C2', text, 'needs omoe, mmoe and at least two correlations');
  const gap = (p: number) => {
    const a = runsOf(s, 'omoe', p);
    const b = runsOf(s, 'mmoe', p);
    return new Map([...a].filter(([r]) => b.has(r)).map(([r, v]) => [r, v - b.get(r)!]));
  };
  const sides = { quantity: 'omoe − mmoe gap', models: ['omoe', 'mmoe'], correlations: [e.low, e.high] };
  const part = acrossAbove(design, 'C2', `gap at p=${e.low} > gap at p=${e.high}`, sides, gap(e.low), gap(e.high), o, NaN);
  return finish('C2', text, [part], o, `per-run gap omoe − mmoe (paired within a correlation); ${acrossNote(design)}`);
}

/** C3: shared-bottom's loss rises as correlation falls (every step down in correlation). */
function c3(s: Sweep, o: ClaimOptions, design: Design): Claim {
  const text = "shared-bottom's loss rises as correlation falls";
  if (!has(s, SB) || s.correlations.length < 2) return notApplicable('C3', text, 'needs shared-bottom and at least two correlations');
  const parts: Omit<Comparison, 'verdict'>[] = [];
  for (let i = 0; i + 1 < s.correlations.length; i++) {
    const lower = s.correlations[i];
    const higher = s.correlations[i + 1];
    const sides = { quantity: 'final loss', models: [SB], correlations: [lower, higher] };
    parts.push(acrossAbove(design, 'C3', `p=${lower} > p=${higher}`, sides, runsOf(s, SB, lower), runsOf(s, SB, higher), o));
  }
  return finish('C3', text, parts, o, `each pair of neighbouring correlations; ${acrossNote(design)}`);
}

/** C4: shared-bottom's final losses spread the most (Brown–Forsythe; see the header). */
function c4(s: Sweep, o: ClaimOptions): Claim {
  const text = "shared-bottom's final losses spread the most (mean absolute deviation from the median, Brown–Forsythe)";
  const others = ['omoe', 'mmoe'].filter((m) => has(s, m));
  if (!has(s, SB) || others.length === 0) return notApplicable('C4', text, 'needs shared-bottom and omoe or mmoe');
  const parts: Omit<Comparison, 'verdict'>[] = [];
  for (const p of s.correlations) {
    for (const other of others) {
      const hi = [...runsOf(s, SB, p).values()];
      const lo = [...runsOf(s, other, p).values()];
      const what = `p=${p}: spread shared-bottom > spread ${other}`;
      const bf = brownForsythe([hi, lo]);
      const effect = meanAbsDeviation(hi) - meanAbsDeviation(lo);
      const b = bootstrap([hi.length, lo.length], ([i, j]) => meanAbsDeviation(i.map((k) => hi[k])) - meanAbsDeviation(j.map((k) => lo[k])), `report|C4|${what}`, o.resamples);
      parts.push({
        claim: 'C4',
        what,
        quantity: 'spread',
        models: [SB, other],
        correlations: [p],
        test: 'brown-forsythe',
        n: `${hi.length} vs ${lo.length}`,
        nA: hi.length,
        nB: lo.length,
        nPairs: NaN,
        statistic: bf.statistic,
        effect,
        effectLow: b.low,
        effectHigh: b.high,
        relative: effect / meanAbsDeviation(lo),
        rankBiserial: NaN,
        p: hi.length >= 3 && lo.length >= 3 ? bf.p : 1, // two runs' deviations from their median are equal: no spread of spreads
        // Brown–Forsythe with two groups is a t test on the absolute deviations
        needed: estimate(Math.min(hi.length, lo.length), runsNeeded(effect, pooledSd(absDeviations(hi), absDeviations(lo)), { alpha: o.alpha, power: o.power, samples: 'two' })),
      });
    }
  }
  return finish('C4', text, parts, o, 'Brown–Forsythe test (Levene centred on the median) of equal spread, shared-bottom against each mixture at each correlation; effect = difference of the mean absolute deviations from the median, with a bootstrap interval');
}

/** C5: mmoe's loss at the lowest correlation is within `margin` of its loss at the highest. */
function c5(s: Sweep, o: ClaimOptions, design: Design): Claim {
  const pct = `${+(o.margin * 100).toFixed(4)}%`;
  const text = `mmoe's mean loss at the lowest correlation is at most ${pct} above its loss at the highest`;
  const e = extremes(s);
  if (!has(s, 'mmoe') || !e) return notApplicable('C5', text, 'needs mmoe and at least two correlations');
  const low = runsOf(s, 'mmoe', e.low);
  const high = runsOf(s, 'mmoe', e.high);
  const allowed = new Map([...high].map(([r, v]) => [r, v * (1 + o.margin)]));
  // "(1 + margin) × loss at the high correlation is above the loss at the low one"
  const sides = { quantity: `${1 + o.margin} × final loss`, models: ['mmoe'], correlations: [e.high, e.low] };
  const part = acrossAbove(design, 'C5', `${1 + o.margin} × loss at p=${e.high} > loss at p=${e.low}`, sides, allowed, low, o, mean([...high.values()]));
  const change = mean([...low.values()]) / mean([...high.values()]) - 1;
  const seen = Number.isFinite(change) ? `; observed: mmoe's mean loss at p=${e.low} is ${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}% against p=${e.high}` : '';
  return finish('C5', text, [part], o, `non-inferiority with a ${pct} margin: the runs at p=${e.low} against the runs at p=${e.high} scaled by ${1 + o.margin}, ${acrossNote(design)}; effect = ${1 + o.margin} × mean at p=${e.high} − mean at p=${e.low}${seen}`);
}

export interface Gate {
  /** "S-" and the model, e.g. "S-mmoe". */
  id: string;
  model: string;
  verdict: 'pass' | 'fail';
  /** The cell with the highest mean normalized loss. */
  correlation: number;
  mean: number;
  text: string;
  /** As Claim.combination. */
  combination?: Record<string, number>;
}

/** Sanity gates: one per model, failed when its mean normalized loss in some cell is ≥ 1 (no better than predicting the mean). */
export function sanityGates(s: Sweep): Gate[] {
  if (s.metric !== 'normalized') throw new Error('sanityGates needs a sweep loaded with the normalized metric');
  return s.models.map((model) => {
    const cells = s.correlations.map((p) => ({ p, m: mean([...runsOf(s, model, p).values()]) })).filter((c) => Number.isFinite(c.m));
    const worst = cells.reduce((a, c) => (c.m > a.m ? c : a), cells[0] ?? { p: NaN, m: NaN });
    const fail = worst.m >= 1 || cells.length === 0;
    const text = cells.length === 0
      ? `${model} has no finished run that did not diverge: it learnt nothing`
      : fail
        ? `${model} learnt nothing: mean normalized loss ${+worst.m.toPrecision(4)} at p=${worst.p} (≥ 1: no better than predicting the mean label)`
        : `${model} learnt: mean normalized loss < 1 in every cell (highest ${+worst.m.toPrecision(4)} at p=${worst.p})`;
    return { id: `S-${model}`, model, verdict: fail ? 'fail' : 'pass', correlation: worst.p, mean: worst.m, text };
  });
}

/** A claim involving a model that learnt nothing cannot pass: its pass becomes unresolved. */
function gated(c: Claim, gates: Gate[]): Claim {
  const failed = gates.filter((g) => g.verdict === 'fail' && c.comparisons.some((x) => x.models.includes(g.model))).map((g) => g.model);
  if (failed.length === 0 || c.verdict !== 'pass') return c;
  return { ...c, verdict: 'unresolved', note: `${c.note}; would pass, but ${failed.join(', ')} learnt nothing (mean normalized loss ≥ 1), so it is unresolved` };
}

export function judgeClaims(s: Sweep, options: Partial<ClaimOptions> = {}): Claim[] {
  const o = { ...CLAIM_DEFAULTS, ...options };
  const design = sweepDesign(s);
  const claims = [c1(s, o), c2(s, o, design), c3(s, o, design), c4(s, o), c5(s, o, design)];
  return s.metric === 'normalized' ? claims.map((c) => gated(c, sanityGates(s))) : claims;
}

/** Is any claim failed? (`--check` exits 3 then.) */
export const anyFailed = (claims: Claim[]) => claims.some((c) => c.verdict === 'fail');

/** What makes `report --check` fail: failed claims, failed sanity gates, and under --strict unresolved claims. */
export function checkFailures(claims: Claim[], gates: Gate[], strict: boolean): string[] {
  return [
    ...claims.filter((c) => c.verdict === 'fail').map((c) => `${claimName(c)} fails`),
    ...(strict ? claims.filter((c) => c.verdict === 'unresolved').map((c) => `${claimName(c)} unresolved (--strict)`) : []),
    ...gates.filter((g) => g.verdict === 'fail').map((g) => `${claimName(g)}: ${g.text}`),
  ];
}

const blank = (x: number) => (Number.isNaN(x) ? '' : x);

/** claims.csv rows, in REPORT_OUTPUTS.claims column order, then the value of each of `axes` (the sweep's --set axes); missing values are empty. */
export function claimRows(claims: Claim[], metric: string, axes: string[] = [], point: Record<string, number> = {}): unknown[][] {
  const rows: unknown[][] = [];
  const at = axes.map((a) => point[a] ?? '');
  for (const c of claims) {
    if (c.comparisons.length === 0) rows.push([c.id, c.verdict, '', '', '', metric, '', '', '', '', '', '', '', '', '', '', '', '', '', ...at]);
    for (const x of c.comparisons) {
      rows.push([
        c.id, c.verdict, x.quantity, x.models.join(';'), x.correlations.join(';'), metric, x.test,
        x.nA, x.nB, blank(x.nPairs),
        blank(x.statistic), blank(x.effect), blank(x.effectLow), blank(x.effectHigh), blank(x.relative), blank(x.rankBiserial), x.p, blank(x.needed), x.verdict, ...at,
      ]);
    }
  }
  return rows;
}
