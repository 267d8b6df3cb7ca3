// `mmoe-sweep compare BASE NEW` through the real CLI on hand-made sweep folders whose answer is
// known: paired and unpaired, exit 0 / 3 / 2, compare.csv's numbers worked by hand, JUnit read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { COMPARE_COLUMNS, compareHeader } from '../../src/report/compare';
import { readTable, ROOT, runCli, snapshot, tmpDir } from '../helpers/cli';
import { PAPER_LIKE, Truth, writeSynthetic } from './synthetic';
import { junitCases } from './xml';

const MODELS = ['shared-bottom', 'omoe', 'mmoe'];
const base = tmpDir('compare');
let count = 0;
const folder = (truth: Truth, opts: { seed?: number; correlations?: number[]; runs?: number; paired?: boolean; diverged?: (m: string, p: number, r: number) => boolean } = {}) =>
  writeSynthetic(path.join(base, String(count++)), { models: MODELS, correlations: opts.correlations ?? [0.5, 1], runs: opts.runs ?? 12, truth, seed: opts.seed, paired: opts.paired, diverged: opts.diverged });

const rowsOf = (file: string) => {
  const t = readTable(file);
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])));
};

test('the same sweep against itself: paired by seed, every cell the same, exit 0', () => {
  const dir = folder(PAPER_LIKE);
  const r = runCli(['compare', dir, dir]);
  assert.equal(r.code, 0, r.stderr);
  const t = readTable(path.join(dir, 'compare.csv'));
  assert.deepEqual(t.header, compareHeader());
  const rows = rowsOf(path.join(dir, 'compare.csv'));
  assert.equal(rows.length, 6);
  for (const x of rows) {
    assert.equal(x.test, 'wilcoxon');
    assert.equal(x.n_pairs, '12');
    assert.equal(x.shift, '0');
    assert.equal(x.verdict, 'same');
  }
  assert.match(r.stdout, /^mmoe\s+0\.5\s+0\.001\s+wilcoxon\s+12 pairs/m);
});

test('compare.csv against a hand computation: losses 0.1, 0.2, 0.3 → 0.2, 0.3, 0.4 on the same seeds', () => {
  const b = folder((m, p, run) => 0.1 * (run + 1), { runs: 3, correlations: [0.5] });
  const n = folder((m, p, run) => 0.1 * (run + 1) + (m === 'mmoe' ? 0.1 : 0), { runs: 3, correlations: [0.5] });
  const r = runCli(['compare', b, n, '--out', path.join(base, 'hand.csv')]);
  assert.equal(r.code, 0, 'three pairs cannot reach p < 0.05: the smallest one-sided exact p is 1/8');
  const mmoe = rowsOf(path.join(base, 'hand.csv')).find((x) => x.model === 'mmoe')!;
  const close = (got: string, want: number) => assert.ok(Math.abs(Number(got) - want) < 1e-9, `${got} vs ${want}`);
  assert.equal(mmoe.test, 'wilcoxon');
  assert.deepEqual([mmoe.n_base, mmoe.n_new, mmoe.n_pairs, mmoe.diverged_base, mmoe.diverged_new], ['3', '3', '3', '0', '0']);
  close(mmoe.base_median, 0.2);
  close(mmoe.new_median, 0.3);
  close(mmoe.shift, 0.1); // every difference is 0.1, so every Walsh average is
  close(mmoe.shift_ci_low, 0.1);
  close(mmoe.shift_ci_high, 0.1);
  close(mmoe.relative_shift, 0.5);
  // new − 1.05 × base = 0.095, 0.09, 0.085: all positive, W+ = 6 of 6, P(W+ ≥ 6) = 1/8
  close(mmoe.p_worse, 1 / 8);
  // 0.95 × base − new all negative: P(W+ ≥ 0) = 1
  close(mmoe.p_better, 1);
  assert.equal(mmoe.verdict, 'same');
  assert.equal(mmoe.tolerance, '0.05');
  assert.equal(mmoe.metric, 'normalized');
  const sb = rowsOf(path.join(base, 'hand.csv')).find((x) => x.model === 'shared-bottom')!;
  close(sb.shift, 0);
});

test('mmoe 30% worse on the same seeds: exit 3, the mmoe cells named, JUnit fails exactly them', () => {
  const b = folder(PAPER_LIKE);
  const n = folder((m, p, run, noise) => PAPER_LIKE(m, p, run, noise) * (m === 'mmoe' ? 1.3 : 1));
  const junit = path.join(base, 'worse.xml');
  const r = runCli(['compare', b, n, '--junit', junit]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /compare failed: 2 of 6 cells worse .* beyond 5%: model=mmoe correlation=0\.5 lr=0\.001, model=mmoe correlation=1 lr=0\.001/);
  const rows = rowsOf(path.join(n, 'compare.csv'));
  for (const x of rows) assert.equal(x.verdict, x.model === 'mmoe' ? 'worse' : 'same', `${x.model} ${x.correlation}`);
  for (const x of rows.filter((y) => y.model === 'mmoe')) {
    assert.ok(Math.abs(Number(x.relative_shift) - 0.3) < 0.02, `relative shift ${x.relative_shift}`);
    assert.ok(Number(x.p_worse) < 0.05);
  }
  const cases = junitCases(fs.readFileSync(junit, 'utf8'));
  assert.equal(cases.length, 6);
  const failed = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
  assert.deepEqual(failed.map((c) => c.attrs.name), ['model=mmoe correlation=0.5 lr=0.001', 'model=mmoe correlation=1 lr=0.001']);
  assert.match(failed[0].children[0].attrs.message, /worse beyond 5% at alpha 0\.05: wilcoxon, 12 pairs: base median [\d.]+, new median [\d.]+, shift [\d.]+ \(95% CI [\d.]+ – [\d.]+, \+\d+\.\d%\), p\(NEW > 1\.05 × BASE\) = /);
  // a tolerance above the shift lets it through
  assert.equal(runCli(['compare', b, n, '--tolerance', '0.5', '--out', path.join(base, 'tol.csv')]).code, 0);
  // --json carries the same verdicts
  const json = JSON.parse(runCli(['compare', b, n, '--json', '--out', path.join(base, 'json.csv')]).stdout);
  assert.deepEqual(json.worse, ['model=mmoe correlation=0.5 lr=0.001', 'model=mmoe correlation=1 lr=0.001']);
  assert.equal(json.cells.length, 6);
});

test('different seeds: Mann–Whitney on independent samples; the same truth is not flagged', () => {
  const b = folder(PAPER_LIKE, { seed: 1 });
  const n = folder(PAPER_LIKE, { seed: 7 });
  const r = runCli(['compare', b, n]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /note: configs differ \(BASE vs NEW\), compared anyway: sweep\.seed: 1 vs 7/);
  for (const x of rowsOf(path.join(n, 'compare.csv'))) {
    assert.equal(x.test, 'mann-whitney');
    assert.equal(x.n_pairs, '');
    assert.notEqual(x.verdict, 'worse');
  }
  // and a real 40% rise is caught without pairing too
  const worse = folder((m, p, run, noise) => PAPER_LIKE(m, p, run, noise) * (m === 'omoe' ? 1.4 : 1), { seed: 9 });
  assert.equal(runCli(['compare', b, worse]).code, 3);
});

test('diverged runs in NEW count as infinitely bad', () => {
  const b = folder(PAPER_LIKE);
  const n = folder(PAPER_LIKE, { diverged: (m, p, run) => m === 'omoe' && p === 0.5 && run < 8 });
  const r = runCli(['compare', b, n]);
  assert.equal(r.code, 3, r.stderr);
  const omoe = rowsOf(path.join(n, 'compare.csv')).find((x) => x.model === 'omoe' && x.correlation === '0.5')!;
  assert.equal(omoe.diverged_new, '8');
  assert.equal(omoe.verdict, 'worse');
});

test('not comparable → exit 2 naming the difference, nothing written', () => {
  const b = folder(PAPER_LIKE);
  const noisy = folder(PAPER_LIKE);
  const manifest = JSON.parse(fs.readFileSync(path.join(noisy, 'manifest.json'), 'utf8'));
  manifest.config.data = { ...manifest.config.data, noiseStd: 0.2, dim: undefined };
  fs.writeFileSync(path.join(noisy, 'manifest.json'), JSON.stringify(manifest));
  const elsewhere = folder(PAPER_LIKE, { correlations: [0.9] });
  const cases: [string, string, RegExp][] = [
    [b, noisy, /not comparable: generator constants differ \(BASE vs NEW\): data\.noiseStd: \(absent\) vs 0\.2/],
    [b, elsewhere, /not comparable: no cell in common: BASE has model shared-bottom, omoe, mmoe × correlation 0\.5, 1 × lr 0\.001; NEW has model shared-bottom, omoe, mmoe × correlation 0\.9 × lr 0\.001;/],
    [b, path.join(base, 'missing'), /missing/],
  ];
  for (const [x, y, message] of cases) {
    const before = snapshot(base);
    const r = runCli(['compare', x, y]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /allowed/);
    assert.equal(snapshot(base), before);
  }
  for (const [flag, value] of [['--tolerance', '1.5'], ['--alpha', '0'], ['--metric', 'mse']]) {
    const r = runCli(['compare', b, b, flag, value]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${value}.*allowed`));
  }
});

test('docs/CI.md documents every compare flag and every compare.csv column', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'CI.md'), 'utf8');
  const flags = [...runCli(['compare', '--help']).stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]).filter((f) => f !== '--help');
  assert.ok(flags.length >= 6);
  for (const f of flags) assert.ok(doc.includes(`| \`${f}`), `docs/CI.md lacks ${f}`);
  const section = doc.split('### compare.csv')[1]?.split('\n## ')[0];
  assert.ok(section, 'docs/CI.md has no "### compare.csv" section');
  for (const c of COMPARE_COLUMNS) assert.match(section, new RegExp(`\\| ${c.name} \\| ${c.doc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\|`), `column ${c.name}`);
});
