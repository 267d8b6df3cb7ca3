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
import { runsOf, Sweep } from './load';
import { bootstrap, iqr, mannWhitneyU, mean, runsNeeded, sd, wilcoxonSignedRank } from './stats';

export type Verdict = 'pass' | 'fail' | 'unresolved' | 'not applicable';

export interface ClaimOptions {
  /** Significance level of each comparison. */
  alpha: number;
  /** C5: mmoe's mean loss at the lowest correlation may exceed its loss at the highest by this fraction. */
  margin: number;
  /** Power assumed when estimating the runs a comparison needs. */
  power: number;
  /** Bootstrap resamples (C4, and the confidence interval of every effect). */
  resamples: number;
}

// margin 0.2: the paper's own Figure 4 has mmoe at 0.082 (p = 0.5) against 0.07 (p = 1), +17%; a
// 10% margin would fail the paper's published numbers.
export const CLAIM_DEFAULTS: ClaimOptions = { alpha: 0.05, margin: 0.2, power: 0.8, resamples: 2000 };

export interface Comparison {
  claim: string;
  /** What is compared, e.g. "p=0.5: omoe > mmoe". */
  what: string;
  test: 'wilcoxon' | 'mann-whitney' | 'bootstrap';
  /** Paired runs, or the two sample sizes. */
  n: string;
  /** W+ (Wilcoxon), U (Mann–Whitney) or the observed IQR difference (bootstrap). */
  statistic: number;
  /** Signed so that > 0 supports the claim, in loss units. */
  effect: number;
  /** Bootstrap 95% interval of the effect. */
  effectLow: number;
  effectHigh: number;
  /** effect / the reference's mean (or IQR). */
  relative: number;
  /** Rank-biserial correlation, signed so that > 0 supports the claim (NaN for the bootstrap). */
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
}

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

/** Paired runs of two cells: the run indices present (and not diverged) in both. */
function paired(s: Sweep, high: string, low: string, p: number): { hi: number[]; lo: number[] } {
  const a = runsOf(s, high, p);
  const b = runsOf(s, low, p);
  const runs = [...a.keys()].filter((r) => b.has(r)).sort((x, y) => x - y);
  return { hi: runs.map((r) => a.get(r)!), lo: runs.map((r) => b.get(r)!) };
}

/** "hi's loss is above lo's" on paired runs: Wilcoxon signed-rank of hi − lo. */
function pairedAbove(claim: string, what: string, hi: number[], lo: number[], o: ClaimOptions): Omit<Comparison, 'verdict'> {
  const d = hi.map((v, i) => v - lo[i]);
  const w = wilcoxonSignedRank(d);
  const avg = (idx: number[]) => mean(idx.map((i) => d[i]));
  const b = bootstrap([d.length], ([idx]) => avg(idx), `report|${claim}|${what}`, o.resamples);
  const effect = mean(d);
  return {
    claim,
    what,
    test: 'wilcoxon',
    n: `${d.length} pairs`,
    statistic: w.statistic,
    effect,
    effectLow: b.low,
    effectHigh: b.high,
    relative: effect / mean(lo),
    rankBiserial: w.rankBiserial,
    p: d.length ? w.p : 1,
    needed: estimate(d.length, runsNeeded(effect, sd(d), { alpha: o.alpha, power: o.power, samples: 'paired' })),
  };
}

/** "hi's values are above lo's" for independent samples: Mann–Whitney U. */
function unpairedAbove(claim: string, what: string, hi: number[], lo: number[], o: ClaimOptions, reference = mean(lo)): Omit<Comparison, 'verdict'> {
  const u = mannWhitneyU(hi, lo);
  const b = bootstrap([hi.length, lo.length], ([i, j]) => mean(i.map((k) => hi[k])) - mean(j.map((k) => lo[k])), `report|${claim}|${what}`, o.resamples);
  const effect = mean(hi) - mean(lo);
  return {
    claim,
    what,
    test: 'mann-whitney',
    n: `${hi.length} vs ${lo.length}`,
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

function finish(id: string, text: string, parts: Omit<Comparison, 'verdict'>[], o: ClaimOptions, note: string): Claim {
  const comparisons = parts.map((c) => ({
    ...c,
    verdict: decide(c.p, c.test === 'bootstrap' ? c.statistic : c.rankBiserial, c.effect, o.alpha, parts.length),
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
      parts.push(pairedAbove('C1', `p=${p}: ${order[i]} > ${order[i + 1]}`, hi, lo, o));
    }
  }
  return finish('C1', text, parts, o, 'paired by run index (same data and seed), Wilcoxon signed-rank on the per-run difference');
}

function extremes(s: Sweep): { low: number; high: number } | null {
  return s.correlations.length >= 2 ? { low: s.correlations[0], high: s.correlations[s.correlations.length - 1] } : null;
}

/** C2: the omoe − mmoe gap is larger at the lowest correlation than at the highest. */
function c2(s: Sweep, o: ClaimOptions): Claim {
  const text = 'the omoe − mmoe gap is larger at the lowest correlation than at the highest';
  const e = extremes(s);
  if (!has(s, 'omoe') || !has(s, 'mmoe') || !e) return notApplicable('C2', text, 'needs omoe, mmoe and at least two correlations');
  const gap = (p: number) => {
    const { hi, lo } = paired(s, 'omoe', 'mmoe', p);
    return hi.map((v, i) => v - lo[i]);
  };
  const part = unpairedAbove('C2', `gap at p=${e.low} > gap at p=${e.high}`, gap(e.low), gap(e.high), o, NaN);
  return finish('C2', text, [part], o, 'per-run gap omoe − mmoe (paired within a correlation); Mann–Whitney U across correlations (different seeds)');
}

/** C3: shared-bottom's loss rises as correlation falls (every step down in correlation). */
function c3(s: Sweep, o: ClaimOptions): Claim {
  const text = "shared-bottom's loss rises as correlation falls";
  if (!has(s, SB) || s.correlations.length < 2) return notApplicable('C3', text, 'needs shared-bottom and at least two correlations');
  const parts: Omit<Comparison, 'verdict'>[] = [];
  for (let i = 0; i + 1 < s.correlations.length; i++) {
    const lower = s.correlations[i];
    const higher = s.correlations[i + 1];
    parts.push(unpairedAbove('C3', `p=${lower} > p=${higher}`, [...runsOf(s, SB, lower).values()], [...runsOf(s, SB, higher).values()], o));
  }
  return finish('C3', text, parts, o, 'each pair of neighbouring correlations, Mann–Whitney U (different seeds)');
}

/** C4: shared-bottom's final-loss spread (IQR) is the largest of the three. */
function c4(s: Sweep, o: ClaimOptions): Claim {
  const text = "shared-bottom's final-loss spread (IQR) is the largest of the three";
  const others = ['omoe', 'mmoe'].filter((m) => has(s, m));
  if (!has(s, SB) || others.length === 0) return notApplicable('C4', text, 'needs shared-bottom and omoe or mmoe');
  const parts: Omit<Comparison, 'verdict'>[] = [];
  for (const p of s.correlations) {
    for (const other of others) {
      const { hi, lo } = paired(s, SB, other, p);
      const what = `p=${p}: IQR shared-bottom > IQR ${other}`;
      const diff = ([idx]: number[][]) => iqr(idx.map((i) => hi[i])) - iqr(idx.map((i) => lo[i]));
      const b = bootstrap([hi.length], diff, `report|C4|${what}`, o.resamples);
      const effect = hi.length ? b.observed : NaN;
      parts.push({
        claim: 'C4',
        what,
        test: 'bootstrap',
        n: `${hi.length} pairs`,
        statistic: effect,
        effect,
        effectLow: b.low,
        effectHigh: b.high,
        relative: effect / iqr(lo),
        rankBiserial: NaN,
        p: hi.length >= 2 ? b.p : 1,
        // the bootstrap's standard error at n runs, scaled to one run
        needed: estimate(hi.length, runsNeeded(effect, b.se * Math.sqrt(hi.length), { alpha: o.alpha, power: o.power, samples: 'paired' })),
      });
    }
  }
  return finish('C4', text, parts, o, `paired bootstrap (${o.resamples} resamples of the run indices) of the IQR difference; p = twice the smaller share of resamples on either side of 0`);
}

/** C5: mmoe's loss at the lowest correlation is within `margin` of its loss at the highest. */
function c5(s: Sweep, o: ClaimOptions): Claim {
  const pct = `${+(o.margin * 100).toFixed(4)}%`;
  const text = `mmoe's mean loss at the lowest correlation is at most ${pct} above its loss at the highest`;
  const e = extremes(s);
  if (!has(s, 'mmoe') || !e) return notApplicable('C5', text, 'needs mmoe and at least two correlations');
  const low = [...runsOf(s, 'mmoe', e.low).values()];
  const allowed = [...runsOf(s, 'mmoe', e.high).values()].map((v) => v * (1 + o.margin));
  // "(1 + margin) × loss at the high correlation is above the loss at the low one"
  const part = unpairedAbove('C5', `${1 + o.margin} × loss at p=${e.high} > loss at p=${e.low}`, allowed, low, o, mean(allowed) / (1 + o.margin));
  const change = mean(low) / (mean(allowed) / (1 + o.margin)) - 1;
  const seen = Number.isFinite(change) ? `; observed: mmoe's mean loss at p=${e.low} is ${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}% against p=${e.high}` : '';
  return finish('C5', text, [part], o, `non-inferiority with a ${pct} margin: Mann–Whitney U of the runs at p=${e.low} against the runs at p=${e.high} scaled by ${1 + o.margin}; effect = ${1 + o.margin} × mean at p=${e.high} − mean at p=${e.low}${seen}`);
}

export function judgeClaims(s: Sweep, options: Partial<ClaimOptions> = {}): Claim[] {
  const o = { ...CLAIM_DEFAULTS, ...options };
  return [c1(s, o), c2(s, o), c3(s, o), c4(s, o), c5(s, o)];
}

/** Is any claim failed? (`--check` exits 3 then.) */
export const anyFailed = (claims: Claim[]) => claims.some((c) => c.verdict === 'fail');

