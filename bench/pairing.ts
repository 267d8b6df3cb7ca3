// What the paired design buys (issue 9, docs/REPRODUCTION.md): for every comparison across
// correlations (C2, C3, C5), the runs the report estimates it needs, and its p value, with runs
// paired by index (as the study was designed) against the same runs treated as independent
// samples; and the Pearson correlation of a run's final losses at two correlations, which is
// what pairing can exploit. A measurement, never a test.
//
//   node dist/bench/pairing.js DIR
import { cellKey, loadSweep, Sweep } from '../src/report/load';
import { judgeClaims } from '../src/report/claims';
import { mean, sd } from '../src/report/stats';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node dist/bench/pairing.js DIR\n');
  process.exit(2);
}
const paired = loadSweep(dir, 'normalized');
// the same runs, each correlation's seeds made distinct: the report then treats the correlations as independent samples
const independent: Sweep = {
  ...paired,
  cells: new Map([...paired.cells].map(([k, c]) => [k, { ...c, seeds: new Map([...c.seeds].map(([run, seed]) => [run, seed + 1e9 * (1 + paired.correlations.indexOf(c.correlation))])) }])),
};
const across = (s: Sweep) => judgeClaims(s).filter((c) => ['C2', 'C3', 'C5'].includes(c.id)).flatMap((c) => c.comparisons);
const a = across(paired);
const b = across(independent);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : String(v)); // runsNeeded gives whole runs
const lines = ['| claim | comparison | runs needed, paired | runs needed, independent | p, paired | p, independent |', '|---|---|---|---|---|---|'];
a.forEach((c, i) => lines.push(`| ${c.claim} | ${c.what} | ${fmt(c.needed)} | ${fmt(b[i].needed)} | ${c.p.toExponential(2)} | ${b[i].p.toExponential(2)} |`));

const pearson = (x: number[], y: number[]) => {
  const mx = mean(x), my = mean(y);
  return x.reduce((acc, v, i) => acc + (v - mx) * (y[i] - my), 0) / ((x.length - 1) * sd(x) * sd(y));
};
lines.push('', '| model | correlations | runs | Pearson r of a run\'s final losses |', '|---|---|---|---|');
for (const model of paired.models) {
  const ps = paired.correlations;
  for (let i = 0; i < ps.length; i++) {
    for (let j = i + 1; j < ps.length; j++) {
      const x = paired.cells.get(cellKey(model, ps[i]))?.runs;
      const y = paired.cells.get(cellKey(model, ps[j]))?.runs;
      if (!x || !y) continue;
      const runs = [...x.keys()].filter((r) => y.has(r));
      lines.push(`| ${model} | ${ps[i]} vs ${ps[j]} | ${runs.length} | ${pearson(runs.map((r) => x.get(r)!), runs.map((r) => y.get(r)!)).toFixed(3)} |`);
    }
  }
}
process.stdout.write(lines.join('\n') + '\n');
