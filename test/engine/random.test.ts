// Data stream 2's sampler: the generator against its published test vectors, golden values that
// catch any change in the draws, and the draws against N(0, 1) and U[0, 1) in distribution.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stream, fillNormal, fillUniform, hashSeed, seedState, stream, streamFromState } from '../../src/engine/random';
import { normalCdf } from '../../src/report/stats';

const N = 1_000_000;
/** Kolmogorov's limiting critical value of √n·D at α = 0.001 (Smirnov's table: 1.9495). */
const KS_001 = 1.9495;

const uint32s = (s: Stream, n: number) => Array.from({ length: n }, () => s.uniform() * 2 ** 32);

test('xoshiro128**: the reference implementation\'s outputs from known states', () => {
  // state (1, 2, 3, 4): the first output is rotl(2·5, 7)·9 = 11520; the rest from the C reference
  assert.deepEqual(uint32s(streamFromState(new Int32Array([1, 2, 3, 4])), 6), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  // the test vectors of an independent port (xoshiro-6502's, made with the C reference)
  const s = streamFromState(new Int32Array([0x964d4a0c, 0xd40ab895, 0xad7fdecb, 0x3006f0f0]));
  assert.deepEqual(uint32s(s, 4), [0xf1391922, 0x6fe53806, 0xa5be2840, 0xf510ee70]);
});

test('golden values: the first draws of fixed keys (a change here is a new data stream version)', () => {
  assert.equal(hashSeed('golden'), 1950145045);
  assert.deepEqual(Array.from(seedState(hashSeed('golden'))), [488608164, -713976939, 964696820, -496238533]);
  const n = stream('golden');
  assert.deepEqual(Array.from({ length: 6 }, () => n.normal()), [
    1.4396549274224502, 1.2614913841923803, 2.3353956670964564, 1.3557635106394437, 1.709308258604308, 0.061308705918116185,
  ]);
  const u = stream('golden:uniform');
  assert.deepEqual(Array.from({ length: 4 }, () => u.uniform()), [0.6433153508696705, 0.5925345439463854, 0.42572205257602036, 0.9092546307947487]);
  // the slow paths too (wedges, and the tail beyond R): the first tail draw, and the sum of 10⁵ draws
  const z = fillNormal(stream('golden'), new Float64Array(100_000));
  assert.equal(z.findIndex((v) => Math.abs(v) > 3.442619855899), 278);
  assert.equal(z[278], 3.5731355571184507);
  assert.equal(z.reduce((a, v) => a + v, 0), 748.4204703444947);
  // a run's stream, keyed as makeRunData keys it
  const x = stream('1:stream');
  assert.deepEqual(Array.from({ length: 3 }, () => x.normal()), [0.8274736411223579, -0.542332589583608, 0.03800595149292266]);
});

test('fillNormal and fillUniform give exactly the draws of normal() and uniform(), on any range and scale', () => {
  for (const key of ['a', 'b', 'tails']) {
    const one = stream(key);
    const expected = Array.from({ length: 20_000 }, () => one.normal()); // ~240 draws take the slow path
    assert.deepEqual(Array.from(fillNormal(stream(key), new Float64Array(20_000))), expected);
    // in pieces, into a Float32Array, scaled: the same sequence, rounded once
    const bulk = stream(key);
    const out = new Float32Array(20_000);
    for (let from = 0; from < out.length; from += 777) fillNormal(bulk, out, 0.1, from, Math.min(out.length, from + 777));
    out.forEach((v, i) => assert.equal(v, Math.fround(expected[i] * 0.1)));
    // and the stream carries on where the bulk fill stopped
    assert.equal(bulk.normal(), one.normal());
  }
  const u = stream('u');
  const us = Array.from({ length: 1000 }, () => u.uniform());
  assert.deepEqual(Array.from(fillUniform(stream('u'), new Float64Array(1000))), us);
  // a Stream of another make goes through its own normal()
  let i = 0;
  const counting: Stream = { uniform: () => 0.5, normal: () => i++ };
  assert.deepEqual(Array.from(fillNormal(counting, new Float64Array(4), 2)), [0, 2, 4, 6]);
});

test('the same key gives the same draws; other keys give uncorrelated ones', () => {
  const a = fillNormal(stream('k'), new Float64Array(N));
  assert.deepEqual(fillNormal(stream('k'), new Float64Array(1000)), a.subarray(0, 1000));
  for (const other of ['k2', 'l', 'K']) {
    const b = fillNormal(stream(other), new Float64Array(N));
    let c = 0;
    for (let i = 0; i < N; i++) c += a[i] * b[i];
    assert.ok(Math.abs(c / N) < 5 / Math.sqrt(N), `corr(k, ${other}) = ${c / N}`);
  }
  // and successive draws of one stream: lag-1 and lag-2 autocorrelation
  for (const lag of [1, 2]) {
    let c = 0;
    for (let i = lag; i < N; i++) c += a[i] * a[i - lag];
    assert.ok(Math.abs(c / N) < 5 / Math.sqrt(N), `lag ${lag} autocorrelation ${c / N}`);
  }
});

/** √n times the Kolmogorov–Smirnov distance between the sample and the CDF F. */
function ksStatistic(sample: Float64Array, F: (x: number) => number): number {
  const x = Float64Array.from(sample).sort();
  const n = x.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = F(x[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return Math.sqrt(n) * d;
}

test('normal(): mean, variance, skewness and kurtosis of 10⁶ draws are those of N(0, 1)', () => {
  for (const key of ['moments:1', 'moments:2']) {
    const z = fillNormal(stream(key), new Float64Array(N));
    let m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (const v of z) {
      const v2 = v * v;
      m1 += v;
      m2 += v2;
      m3 += v2 * v;
      m4 += v2 * v2;
    }
    m1 /= N; m2 /= N; m3 /= N; m4 /= N;
    // standard errors of the sample moments of N(0, 1): √(1/n), √(2/n), √(6/n), √(24/n); allow 5 of them
    const se = (k: number) => 5 * Math.sqrt(k / N);
    assert.ok(Math.abs(m1) < se(1), `${key}: mean ${m1}`);
    assert.ok(Math.abs(m2 - 1) < se(2), `${key}: variance ${m2}`);
    assert.ok(Math.abs(m3) < se(6), `${key}: skewness ${m3}`);
    assert.ok(Math.abs(m4 - 3) < se(24), `${key}: kurtosis ${m4}`);
  }
});

test('normal(): Kolmogorov–Smirnov against N(0, 1) on 10⁶ draws passes at α = 0.001', () => {
  for (const key of ['ks:1', 'ks:2']) {
    const d = ksStatistic(fillNormal(stream(key), new Float64Array(N)), normalCdf);
    assert.ok(d < KS_001, `${key}: √n·D = ${d}, critical ${KS_001}`);
  }
  // the test has teeth: N(0.01, 1) and N(0, 1.02²) fail it (expected √n·D about 4.0 and 4.8)
  const shifted = fillNormal(stream('ks:1'), new Float64Array(N)).map((v) => v + 0.01);
  assert.ok(ksStatistic(shifted, normalCdf) > KS_001);
  const wide = fillNormal(stream('ks:1'), new Float64Array(N), 1.02);
  assert.ok(ksStatistic(wide, normalCdf) > KS_001);
});

test('normal(): tail frequencies beyond 3, R (the ziggurat\'s base edge) and 4 match N(0, 1) on 10⁷ draws', () => {
  const n = 10_000_000;
  const z = fillNormal(stream('tails'), new Float64Array(n));
  for (const t of [3, 3.442619855899, 4]) {
    let count = 0, positive = 0;
    for (const v of z) {
      if (v > t) positive++;
      if (Math.abs(v) > t) count++;
    }
    const p = 2 * normalCdf(-t);
    const expected = n * p;
    const sd = Math.sqrt(n * p * (1 - p));
    assert.ok(Math.abs(count - expected) < 5 * sd, `|z| > ${t}: ${count} draws, expected ${expected.toFixed(1)} ± ${sd.toFixed(1)}`);
    // both tails equally: positive ~ Binomial(count, ½)
    assert.ok(Math.abs(positive - count / 2) < 5 * Math.sqrt(count / 4), `z > ${t}: ${positive} of ${count}`);
  }
  let max = 0;
  for (const v of z) max = Math.max(max, Math.abs(v));
  assert.ok(max > 4.5 && max < 7, `largest |z| of 10⁷ draws ${max}`); // the tail is reachable, not clipped at R
});

test('uniform(): in [0, 1), Kolmogorov–Smirnov against U[0, 1) on 10⁶ draws passes at α = 0.001', () => {
  for (const key of ['u:1', 'u:2']) {
    const u = fillUniform(stream(key), new Float64Array(N));
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const d = ksStatistic(u, (x) => x);
    assert.ok(d < KS_001, `${key}: √n·D = ${d}`);
    let m = 0;
    for (const v of u) m += v;
    assert.ok(Math.abs(m / N - 0.5) < 5 * Math.sqrt(1 / 12 / N), `${key}: mean ${m / N}`);
  }
});
