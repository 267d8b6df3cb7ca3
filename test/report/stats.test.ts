// The report's statistics against known values: scipy 1.17 (computed once, pasted here) and
// small cases worked by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bootstrap, brownForsythe, fCdf, hodgesLehmannPaired, hodgesLehmannTwo, iqr, mannWhitneyU, meanAbsDeviation, meanCi, normalCdf, normalQuantile, ranks, runsNeeded, tCdf, tQuantile, wilcoxonSignedRank } from '../../src/report/stats';

const close = (got: number, want: number, tol: number, what: string) => assert.ok(Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);

test('normal and t distributions match scipy.stats', () => {
  close(normalQuantile(0.975), 1.959963984540054, 1e-8, 'norm.ppf(0.975)');
  close(normalQuantile(0.8), 0.8416212335729143, 1e-8, 'norm.ppf(0.8)');
  close(normalQuantile(0.001), -3.090232306167813, 1e-8, 'norm.ppf(0.001)');
  close(normalCdf(1.3), 0.9031995154143897, 1e-7, 'norm.cdf(1.3)');
  close(normalCdf(0), 0.5, 1e-9, 'norm.cdf(0)');
  close(tQuantile(0.975, 9), 2.262157162798205, 1e-7, 't.ppf(0.975, 9)');
  close(tQuantile(0.975, 1), 12.706204736174694, 1e-5, 't.ppf(0.975, 1)');
  close(tQuantile(0.975, 199), 1.9719565442517533, 1e-7, 't.ppf(0.975, 199)');
  close(tCdf(-2.1, 5), 0.044876624942299395, 1e-9, 't.cdf(-2.1, 5)');
});

test('ranks average ties', () => {
  assert.deepEqual(ranks([10, 20, 20, 5, 20]), { ranks: [2, 4, 4, 1, 4], ties: [3] });
});

test('Wilcoxon signed-rank: exact and normal p-values match scipy.stats.wilcoxon', () => {
  // Hollander & Wolfe's depression data (scipy docs): W+ = 40, W− = 5
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const d = x.map((v, i) => v - y[i]);
  const exact = wilcoxonSignedRank(d);
  assert.equal(exact.method, 'exact');
  assert.equal(exact.statistic, 40);
  close(exact.p, 0.0390625, 1e-12, 'exact p');
  close(exact.rankBiserial, (40 - 5) / 45, 1e-12, 'rank-biserial');
  close(wilcoxonSignedRank(d, 'normal').p, 0.04401098401295143, 1e-6, 'normal p (continuity-corrected)');
  // the same test the other way round: the sign flips, the p-value does not
  const flipped = wilcoxonSignedRank(d.map((v) => -v));
  assert.equal(flipped.statistic, 5);
  close(flipped.p, exact.p, 1e-12, 'flipped p');
});

test('Wilcoxon signed-rank on 60 differences: exact and normal match scipy', () => {
  const a = [2.340919, -2.255665, 0.718099, -0.26777, -0.152649, 0.084403, -1.719986, 0.068068, -0.565213, 3.623, 0.525787, -0.052631, 0.018713, -0.368046, -0.755151, -0.090801, 0.781945, 0.061446, 1.257759, 0.100198, 0.32426, 1.845821, 0.845106, -0.205229, 0.117161, 0.840525, 2.235088, 0.03038, 0.056441, 1.302314, -0.58646, 0.00828, 1.182539, 0.88035, 0.391517, 0.970104, -2.528162, 1.321307, -0.659645, -1.36862, 0.576446, 1.000545, -0.144767, -0.776406, 0.326125, 0.247253, 1.705598, 1.047408, 0.493816, 1.411633, 0.094477, -0.6259, 0.884058, 0.882538, 0.085171, -0.482809, 0.529154, -2.193894, 0.990125, 0.791368];
  const auto = wilcoxonSignedRank(a);
  assert.equal(auto.method, 'normal'); // more than 50
  assert.equal(auto.statistic, 1251); // W+; scipy reports min(W+, W−)
  close(auto.p, 0.013518188182406977, 1e-6, 'normal p');
  close(wilcoxonSignedRank(a, 'exact').p, 0.012774927562334337, 1e-9, 'exact p');
  // scipy reports min(W+, W−) = 579
  assert.equal(Math.min(auto.statistic, (60 * 61) / 2 - auto.statistic), 579);
});

test('Wilcoxon signed-rank with ties and zeros: zeros dropped, ties exact by permutation', () => {
  const t = [1, -1, 2, 2, -2, 3, 0, 4, 5, -3, 6, 7];
  const exact = wilcoxonSignedRank(t);
  assert.equal(exact.n, 11);
  close(exact.p, 0.068359375, 1e-12, 'permutation p (scipy PermutationMethod)');
  close(wilcoxonSignedRank(t, 'normal').p, 0.06753459831355195, 1e-6, 'normal p');
  assert.deepEqual(wilcoxonSignedRank([0, 0]), { method: 'exact', statistic: 0, p: 1, pGreater: 1, rankBiserial: 0, n: 0 });
  // by hand: two positive differences, 4 equally likely sign patterns, W+ = 3 is the top one: p = 2·¼
  close(wilcoxonSignedRank([0.1, 0.2]).p, 0.5, 1e-12, 'n = 2');
});

test('Mann–Whitney U matches scipy.stats.mannwhitneyu', () => {
  const u1 = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const u2 = [1.15, 0.88, 0.9, 0.74, 1.21];
  const exact = mannWhitneyU(u1, u2);
  assert.equal(exact.statistic, 35);
  close(exact.p, 0.2544122544122544, 1e-12, 'exact p');
  close(exact.rankBiserial, (2 * 35) / 50 - 1, 1e-12, 'rank-biserial');
  close(mannWhitneyU(u1, u2, 'normal').p, 0.24462360512698333, 1e-6, 'normal p');
  const b = [-1.638857, 0.061354, -0.9641, 0.757221, -2.034167, -0.914495, 0.70958, 1.156401, -2.158005, -0.49804, 0.32802, -0.609216, 1.59064, -1.191227, 0.354532, -1.048406, 1.405963, -0.021651, -0.372251, -1.718185, 1.681826, 0.752779, 0.753564, 1.137881, 0.349227, -0.639247, -0.800241, -0.8002, 1.370072, -1.460381, -0.59637, -0.321244, 0.224619, 0.575349, -1.249097, -1.730013, -0.004414, 1.213564, 0.757058, 0.215651];
  const c = [0.182844, 0.793234, 0.256665, 1.317207, -0.294447, 0.63424, 0.38922, 1.043359, 0.724639, 3.050035, 1.998655, 1.996737, -1.539504, 0.159683, -0.108611, 1.032722, -1.779026, 1.674499, 1.566983, -0.802071, -0.478549, -0.301172, 0.543296, 1.140971, 2.547886, 0.302555, 1.267503, 0.655418, 2.259926, 1.242158, 1.86855, -0.577675, 0.307759, -0.313772, 2.004947, 1.15764, 0.194856, 0.047532, 0.984665, -0.201496, -0.430589, 0.981274, 2.963132, 0.253866, -0.055866];
  const big = mannWhitneyU(b, c);
  assert.equal(big.method, 'normal');
  assert.equal(big.statistic, 557);
  close(big.p, 0.0025651841801020052, 1e-6, 'normal p');
  assert.ok(big.rankBiserial < 0, 'b tends to be smaller');
});

test('Mann–Whitney U with ties: exact permutation and normal match scipy', () => {
  const x = [1, 2, 2, 3, 3, 3];
  const y = [2, 3, 4, 4, 5];
  const exact = mannWhitneyU(x, y);
  assert.equal(exact.statistic, 5.5);
  close(exact.p, 0.11255411255411256, 1e-12, 'permutation p');
  close(mannWhitneyU(x, y, 'normal').p, 0.08871369199677616, 1e-6, 'normal p');
});

test('meanCi, iqr and runsNeeded by hand', () => {
  const ci = meanCi([1, 2, 3, 4]);
  // mean 2.5, sd √(5/3), t(0.975, 3) = 3.182446305284263
  const half = 3.182446305284263 * Math.sqrt(5 / 3) / 2;
  close(ci.low, 2.5 - half, 1e-6, 'low');
  close(ci.high, 2.5 + half, 1e-6, 'high');
  assert.ok(Number.isNaN(meanCi([1]).low));
  close(iqr([1, 2, 3, 4, 5]), 2, 1e-12, 'iqr');
  // (1.96 + 0.8416)² · (1 / 0.5)² = 31.4 → 32 pairs; two samples need twice that per group
  assert.equal(runsNeeded(0.5, 1, { alpha: 0.05, power: 0.8, samples: 'paired' }), 32);
  assert.equal(runsNeeded(0.5, 1, { alpha: 0.05, power: 0.8, samples: 'two' }), 63);
  assert.equal(runsNeeded(-0.5, 1, { alpha: 0.05, power: 0.8, samples: 'paired' }), 32);
  assert.equal(runsNeeded(0, 1, { alpha: 0.05, power: 0.8, samples: 'paired' }), Infinity);
});

test('bootstrap is seeded, keeps pairs together, and resamples independent samples separately', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const y = x.map((v) => v + 1);
  const avg = (v: number[], idx: number[]) => idx.reduce((a, i) => a + v[i], 0) / idx.length;
  const paired = bootstrap([x.length], ([idx]) => avg(y, idx) - avg(x, idx), 'test|paired');
  // every resampled paired difference is exactly 1: pairs stayed together
  close(paired.low, 1, 1e-12, 'low');
  close(paired.high, 1, 1e-12, 'high');
  assert.ok(paired.p < 0.01);
  const two = bootstrap([x.length, y.length], ([i, j]) => avg(y, j) - avg(x, i), 'test|two');
  assert.ok(two.low < 1 && two.high > 1 && two.p > 0.05, 'independent resampling spreads the difference');
  const m = ([idx]: number[][]) => avg(x, idx) - 5.5;
  assert.deepEqual(bootstrap([10], m, 'k'), bootstrap([10], m, 'k'));
  assert.notDeepEqual(bootstrap([10], m, 'k'), bootstrap([10], m, 'other key'));
  const c = bootstrap([10], m, 'k');
  assert.ok(c.low < 0 && c.high > 0 && c.p > 0.5);
});

test('one-sided p-values of the rank tests match scipy (alternative="greater" / "less")', () => {
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const d = x.map((v, i) => v - y[i]);
  close(wilcoxonSignedRank(d).pGreater, 0.01953125, 1e-12, 'wilcoxon greater (exact)');
  close(wilcoxonSignedRank(d.map((v) => -v)).pGreater, 0.986328125, 1e-12, 'wilcoxon less, as greater of −d');
  // all ten of a above all ten of b: the one arrangement of C(20, 10)
  const a = [0.21, 0.25, 0.19, 0.33, 0.41, 0.22, 0.2, 0.52, 0.24, 0.23];
  const b = [0.11, 0.12, 0.1, 0.13, 0.12, 0.115, 0.105, 0.14, 0.125, 0.118];
  close(mannWhitneyU(a, b).pGreater, 1 / 184756, 1e-15, 'mann-whitney greater (exact)');
  close(mannWhitneyU(a, b, 'normal').pGreater, 9.082557304573249e-5, 1e-8, 'mann-whitney greater (scipy asymptotic)');
  assert.equal(mannWhitneyU(b, a).pGreater, 1);
});

test('Hodges–Lehmann shifts: estimates by brute force, intervals at the normal critical rank', () => {
  const x = [1.83, 0.5, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.3];
  const y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29];
  const paired = hodgesLehmannPaired(x.map((v, i) => v - y[i]));
  // numpy: median of the 45 Walsh averages; k = floor(45/2 − 1.96·√(9·10·19/24)) = 5 → the 5th and 41st
  close(paired.estimate, 0.46, 1e-12, 'pseudo-median');
  close(paired.low, -0.035, 1e-12, 'low');
  close(paired.high, 0.806, 1e-12, 'high');
  const a = [0.21, 0.25, 0.19, 0.33, 0.41, 0.22, 0.2, 0.52, 0.24, 0.23];
  const b = [0.11, 0.12, 0.1, 0.13, 0.12, 0.115, 0.105, 0.14, 0.125, 0.118];
  const two = hodgesLehmannTwo(b, a); // a − b
  close(two.estimate, 0.1175, 1e-12, 'median of the 100 differences');
  close(two.low, 0.09, 1e-12, 'low (24th difference)');
  close(two.high, 0.215, 1e-12, 'high (77th difference)');
  // a pure shift is recovered exactly
  assert.equal(hodgesLehmannTwo([1, 2, 3, 4], [1.5, 2.5, 3.5, 4.5]).estimate, 0.5);
});

test('Brown–Forsythe matches scipy.stats.levene(center="median") and, for two groups, a t test on |x − median| worked here', () => {
  const a = [0.21, 0.25, 0.19, 0.33, 0.41, 0.22, 0.2, 0.52, 0.24, 0.23];
  const b = [0.11, 0.12, 0.1, 0.13, 0.12, 0.115, 0.105, 0.14, 0.125, 0.118];
  const bf = brownForsythe([a, b]);
  close(bf.statistic, 4.4065208128930875, 1e-10, 'scipy levene statistic');
  close(bf.p, 0.05017177058597571, 1e-9, 'scipy levene p');
  // independent route: the pooled two-sample t statistic of the absolute deviations, squared
  const dev = (g: number[]) => {
    const s = g.slice().sort((u, v) => u - v);
    const med = (s[4] + s[5]) / 2; // ten values
    return g.map((v) => Math.abs(v - med));
  };
  const za = dev(a);
  const zb = dev(b);
  const m = (z: number[]) => z.reduce((u, v) => u + v, 0) / z.length;
  const ss = (z: number[]) => z.reduce((u, v) => u + (v - m(z)) ** 2, 0);
  const t = (m(za) - m(zb)) / Math.sqrt(((ss(za) + ss(zb)) / 18) * (1 / 10 + 1 / 10));
  close(bf.statistic, t * t, 1e-10, 't²');
  close(bf.p, 2 * (1 - tCdf(Math.abs(t), 18)), 1e-9, 'two-sided t p');
  close(meanAbsDeviation(a) - meanAbsDeviation(b), m(za) - m(zb), 1e-15, 'effect');
  const three = brownForsythe([a, b, [0.3, 0.1, 0.2]]);
  close(three.statistic, 2.485778028145678, 1e-10, 'three groups');
  close(three.p, 0.1086035201306474, 1e-9, 'three groups p');
  close(fCdf(2.5, 3, 17), 0.9057171949210521, 1e-9, 'scipy f.cdf(2.5, 3, 17)');
  assert.equal(brownForsythe([[1, 2], [3, 5]]).p, 1, 'two runs per group: no spread within groups, no verdict');
  // the same with values whose deviations from the median differ in the last bit (a real 2-run sweep gave F = 1.8e29, p = 0)
  assert.deepEqual(brownForsythe([[1.0334, 1.2031], [1.1, 1.23]]), { statistic: NaN, p: 1, df1: 1, df2: 2 });
});
