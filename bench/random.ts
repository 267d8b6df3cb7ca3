// Seeded sampler benchmark (a benchmark, never a test): draws/s of data stream 1 (seedrandom's
// alea + Box–Muller, as it was) against data stream 2 (xoshiro128** + ziggurat, src/engine/random.ts),
// and rows/s of sampleRows at the paper's shape (batch 128, d = 100, 3 sinusoids), old beside new
// in one invocation: the machine is shared, so compare the ratios, not the absolute numbers.
//
//   node dist/bench/random.js [--repeat 5]
import seedrandom from 'seedrandom';
import { DEFAULTS } from '../src/config/defaults';
import { Rows, TASKS, TaskPair, makeTaskPair, sampleRows, studyConstants } from '../src/data/generator';
import { Stream, fillNormal, stream } from '../src/engine/random';
import { intFlag, runBench } from './flags';

/** Data stream 1's sampler, verbatim: the baseline. */
function streamV1(key: string): Stream {
  const rng = seedrandom.alea(key);
  let spare: number | null = null;
  return {
    uniform: () => rng(),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = rng();
      const v = rng();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

/** Data stream 1's sampleRows, verbatim. */
function sampleRowsV1(task: TaskPair, n: number, s: Stream, rows: Rows, d: number, noiseStd: number): void {
  const { alpha, beta } = task.constants;
  for (let r = 0; r < n; r++) {
    const off = r * d;
    for (let j = 0; j < d; j++) rows.x[off + j] = s.normal();
    for (let k = 0; k < TASKS; k++) {
      const w = task.weights[k];
      let z = 0;
      for (let j = 0; j < d; j++) z += w[j] * rows.x[off + j];
      let y = z;
      for (let i = 0; i < alpha.length; i++) y += Math.sin(alpha[i] * z + beta[i]);
      rows.y[r * TASKS + k] = y + s.normal() * noiseStd;
    }
  }
}

/**
 * Units per CPU second of `work` (which does `count` units), best of `repeat`: CPU time, not wall
 * time, since other processes share the cores and would otherwise decide the number.
 */
function rate(repeat: number, count: number, work: () => void): number {
  work(); // warm-up: let V8 optimise before the clock starts
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return count / best;
}

function main(): void {
  const at = process.argv.indexOf('--repeat');
  const repeat = at > 0 ? intFlag('--repeat', process.argv[at + 1]) : 5;
  const N = 2_000_000;
  const buf = new Float32Array(N);
  const v1 = streamV1('bench');
  const v2 = stream('bench');
  // one loop per case: a loop shared by both streams would see two shapes and slow both down
  const u1 = () => {
    for (let i = 0; i < N; i++) buf[i] = v1.uniform();
  };
  const u2 = () => {
    for (let i = 0; i < N; i++) buf[i] = v2.uniform();
  };
  const n1 = () => {
    for (let i = 0; i < N; i++) buf[i] = v1.normal();
  };
  const n2 = () => {
    for (let i = 0; i < N; i++) buf[i] = v2.normal();
  };
  const lines: [string, number, number][] = [];
  lines.push(['uniform() per draw', rate(repeat, N, u1), rate(repeat, N, u2)]);
  lines.push(['normal() per draw', rate(repeat, N, n1), rate(repeat, N, n2)]);
  lines.push(['fillNormal (bulk)', NaN, rate(repeat, N, () => void fillNormal(v2, buf))]);

  const cfg = DEFAULTS.data;
  const task = makeTaskPair(cfg, 0.5, studyConstants(cfg, 1), stream('bench:task'));
  const B = 128;
  const steps = 2000;
  const rows: Rows = { n: B, x: new Float32Array(B * cfg.dim), y: new Float32Array(B * TASKS) };
  const r1 = streamV1('bench:rows');
  const r2 = stream('bench:rows');
  const old = rate(repeat, B * steps, () => {
    for (let i = 0; i < steps; i++) sampleRowsV1(task, B, r1, rows, cfg.dim, cfg.noiseStd);
  });
  const now = rate(repeat, B * steps, () => {
    for (let i = 0; i < steps; i++) sampleRows(task, cfg, B, r2, rows);
  });
  lines.push([`sampleRows rows/s (batch ${B}, d ${cfg.dim})`, old, now]);

  const f = (v: number) => (Number.isNaN(v) ? '—' : `${(v / 1e6).toFixed(2)}M`);
  console.log(`| per CPU second | stream 1 (alea + Box–Muller) | stream 2 (xoshiro128** + ziggurat) | ratio |\n|---|---:|---:|---:|`);
  for (const [name, a, b] of lines) console.log(`| ${name} | ${f(a)} | ${f(b)} | ${Number.isNaN(a) ? '—' : `${(b / a).toFixed(1)}×`} |`);
  const perStep = (r: number) => ((B / r) * 1e6).toFixed(0);
  console.log(`\nfresh rows per model-step (batch ${B}): ${perStep(old)} µs → ${perStep(now)} µs`);
}

runBench('random', main);
