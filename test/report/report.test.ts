// `mmoe-sweep report` end to end through the real CLI: on a real smoke sweep, on synthetic
// folders whose verdict is known (exit 3 under --check), and on bad input (exit 2, nothing written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { REPORT_OUTPUTS, reportHeader } from '../../src/report/columns';
import { readTable, ROOT, runCli, snapshot, tmpDir } from '../helpers/cli';
import { PAPER_LIKE, Truth, writeSynthetic } from './synthetic';

const smoke = JSON.parse(fs.readFileSync(path.join(ROOT, 'configs', 'smoke.json'), 'utf8'));
const MODELS: string[] = smoke.sweep.models;
const CORRS: number[] = smoke.sweep.correlations;
const GATED = MODELS.filter((m) => m !== 'shared-bottom').length;
const FIGURES = ['fig2-label-correlation', 'fig3-shared-bottom-curves', 'fig4-final-loss', 'fig4-loss-curves', 'final-loss-by-task', 'fig5-histograms', 'fig6-gates'];

/** The children of every `<g class="mark-TYPE role-mark …">` group: one entry per group, its number of marks. */
function markGroups(svg: string, type: string): number[] {
  return [...svg.matchAll(new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>((?:<path[^>]*/>)*)</g>`, 'g'))].map((m) => (m[1].match(/<path/g) ?? []).length);
}

function assertSvg(file: string): string {
  const svg = fs.readFileSync(file, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]* width="\d+" height="\d+"/, file);
  assert.ok(svg.trimEnd().endsWith('</svg>'), `${file} is cut short`);
  const selfClosed = (svg.match(/<g[^>]*\/>/g) ?? []).length; // an empty layer, e.g. no ± bars
  assert.equal((svg.match(/<g[\s>]/g) ?? []).length - selfClosed, (svg.match(/<\/g>/g) ?? []).length, `${file}: unbalanced groups`);
  return svg;
}

const sweepDir = path.join(tmpDir('report'), 'smoke');
const made = runCli(['--preset', 'smoke', '--out', sweepDir, '--quiet']);

test('report on a smoke sweep: verdict on stdout, report.md, claims.csv and every figure as CSV + spec + SVG', () => {
  assert.equal(made.code, 0, made.stderr);
  const r = runCli(['report', sweepDir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'every input is there: nothing to warn about');
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 5).map((l) => l.split(/\s+/)[0]), ['C1', 'C2', 'C3', 'C4', 'C5']);
  for (const l of lines.slice(0, 5)) assert.match(l, /^C\d  (pass|fail|unresolved|not applicable) /);
  assert.match(lines[lines.length - 1], /^written: /);

  const md = fs.readFileSync(path.join(sweepDir, 'report.md'), 'utf8');
  for (const heading of ['## Verdict', '## Final held-out loss', '## Final held-out loss per task', '## Claims in detail', '## Figures', '## Gates']) assert.ok(md.includes(heading), heading);
  for (const f of FIGURES) assert.ok(md.includes(`](figures/${f}.svg)`), `report.md links ${f}`);
  assert.deepEqual(readTable(path.join(sweepDir, 'claims.csv')).header, reportHeader('claims'));
  // the sanity gates stdout prints (every model fails in 40 steps) are in report.md too, with the same numbers
  const sanity = md.split('\n').find((l) => l.startsWith('**Sanity'));
  assert.ok(sanity?.startsWith('**Sanity: learnt nothing**'), sanity);
  for (const m of MODELS) {
    const [, value, p] = r.stdout.match(new RegExp(`^S-${m}\\s+fail\\s+${m} learnt nothing: mean normalized loss ([\\d.]+) at p=([\\d.]+)`, 'm')) ?? [];
    assert.ok(value && String(sanity).includes(`${m} ${value} at p=${p}`), `${m}: ${sanity}`);
  }
  // what an unresolved comparison's interval rules out, worded as a reader says it
  const ruled = md.split('\n').filter((l) => l.startsWith('What the runs rule out'));
  assert.ok(ruled.length > 0);
  for (const l of ruled) for (const part of l.split(': ').slice(1).join(': ').split('; ')) {
    assert.match(part, /: (an effect above \S+ (\([^)]+ of the reference\) )?in the claim's favour|any effect in the claim's favour \(the interval lies below 0\)), and (one beyond \S+ (\([^)]+ of the reference\) )?against it|any against it \(the interval lies above 0\))\.?$/, part);
  }
  // Figure 3's caption gives this sweep's bottom, the paper's being 16 units
  const manifest = JSON.parse(fs.readFileSync(path.join(sweepDir, 'manifest.json'), 'utf8'));
  assert.ok(md.includes(`the paper used a 16-unit bottom here; this sweep's has ${manifest.config.model.bottomUnits} units`));

  // mtl-gain needs single-task in the sweep (test/report/mtl-gain.test.ts), grid-final-loss --set axes (test/report/facets.test.ts)
  const drawn = Object.entries(REPORT_OUTPUTS).filter(([name]) => name !== 'mtlGain' && name !== 'gridFinalLoss');
  assert.ok(!fs.existsSync(path.join(sweepDir, REPORT_OUTPUTS.gridFinalLoss.file)));
  assert.ok(!fs.existsSync(path.join(sweepDir, REPORT_OUTPUTS.mtlGain.file)));
  for (const [, o] of drawn) if (o.file.startsWith('figures/')) assert.ok(fs.existsSync(path.join(sweepDir, o.file)), o.file);
  for (const [name, o] of drawn) assert.deepEqual(readTable(path.join(sweepDir, o.file)).header, reportHeader(name as keyof typeof REPORT_OUTPUTS), o.file);
  for (const f of FIGURES) {
    const spec = JSON.parse(fs.readFileSync(path.join(sweepDir, 'figures', `${f}.vl.json`), 'utf8'));
    assert.equal(spec.data.url, `${f}.csv`, 'the spec reads the CSV beside it');
    assertSvg(path.join(sweepDir, 'figures', `${f}.svg`));
  }
});

test('the SVGs hold one panel per model × correlation with the expected marks', () => {
  const fig = (name: string) => assertSvg(path.join(sweepDir, 'figures', `${name}.svg`));
  const cells = MODELS.length * CORRS.length;
  // Figure 5: one panel per cell, 21 bins plus the overflow bin
  const bins = markGroups(fig('fig5-histograms'), 'rect');
  assert.deepEqual(bins, Array(cells).fill((smoke.report?.histogramBins ?? 21) + 1));
  // the headline: a filled point per model and correlation, and the paper's values hollow beside them
  const head = fig('fig4-final-loss');
  assert.equal((head.match(/class="mark-line role-mark/g) ?? []).length, MODELS.length);
  assert.equal(markGroups(head, 'symbol').reduce((a, b) => a + b, 0), cells + MODELS.length * CORRS.filter((p) => [0.5, 0.9, 1].includes(p)).length);
  // Figure 4: a line and a band per model in each correlation's panel
  const svg4 = fig('fig4-loss-curves');
  assert.equal((svg4.match(/class="mark-line role-mark/g) ?? []).length, cells);
  assert.equal((svg4.match(/class="mark-area role-mark/g) ?? []).length, cells);
  for (const m of MODELS) assert.ok(svg4.includes(`>${m}</text>`), `legend names ${m}`);
  // Figure 3: shared-bottom only, one line per correlation
  assert.equal((fig('fig3-shared-bottom-curves').match(/class="mark-line role-mark/g) ?? []).length, CORRS.length);
  // Figure 6: omoe and mmoe panels, 8 experts × 2 tasks each
  assert.deepEqual(markGroups(fig('fig6-gates'), 'rect'), Array(GATED * CORRS.length).fill(8 * 2));
  const svg5 = fig('fig5-histograms');
  for (const t of ['0.0', 'fraction of runs', 'held-out MSE / label variance']) assert.ok(svg5.includes(`>${t}</text>`), t);
});

test('--metric raw changes what the figures and claims read; --check fails the smoke sweep, which learns nothing in 40 steps', () => {
  const norm = fs.readFileSync(path.join(sweepDir, 'figures', 'fig4-loss-curves.csv'), 'utf8');
  const r = runCli(['report', sweepDir, '--metric', 'raw', '--check']);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /check failed: .*S-mmoe: mmoe learnt nothing/);
  const raw = fs.readFileSync(path.join(sweepDir, 'figures', 'fig4-loss-curves.csv'), 'utf8');
  assert.notEqual(raw, norm);
  const md = fs.readFileSync(path.join(sweepDir, 'report.md'), 'utf8');
  assert.ok(md.includes('`--metric raw`'));
  assert.match(md, /^\*\*Sanity: learnt nothing\*\* \(mean normalized loss ≥ 1 .*: shared-bottom 1\.\d+ at p=/m, 'the gates read normalized loss under --metric raw too');
  assert.ok(fs.readFileSync(path.join(sweepDir, 'figures', 'fig5-histograms.vl.json'), 'utf8').includes('held-out MSE"'));
});

test('--check exits 3 when a claim fails, and names it; without --check the exit is 0', () => {
  const truth: Truth = (model, p, run, noise) => PAPER_LIKE(model === 'mmoe' ? 'omoe' : model, p, run, noise) + (model === 'mmoe' ? 0.02 : 0);
  const dir = writeSynthetic(path.join(tmpDir('check'), 'bad'), { models: MODELS, correlations: [0.5, 1], runs: 12, truth, extras: true });
  const checked = runCli(['report', dir, '--check']);
  assert.equal(checked.code, 3, checked.stderr);
  assert.match(checked.stdout, /^C1  fail /m);
  assert.match(checked.stderr, /check failed: C1/);
  assert.equal(runCli(['report', dir]).code, 0);
  // and the paper's own numbers pass C1–C4 under --check (C5: +17% is within the default 20%)
  const good = writeSynthetic(path.join(tmpDir('check'), 'good'), { models: MODELS, correlations: [0.5, 1], runs: 30, truth: PAPER_LIKE, extras: true });
  const ok = runCli(['report', good, '--check']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  for (const id of ['C1', 'C2', 'C3', 'C4']) assert.match(ok.stdout, new RegExp(`^${id}  pass `, 'm'));
  assert.match(fs.readFileSync(path.join(good, 'report.md'), 'utf8'), /^\*\*Sanity:\*\* every model learnt something \(mean normalized loss < 1 in every cell\)\.$/m);
});

const bad = tmpDir('report-bad');
fs.mkdirSync(path.join(bad, 'empty'));
fs.mkdirSync(path.join(bad, 'other'));
fs.writeFileSync(path.join(bad, 'other', 'notes.txt'), 'not a sweep\n');
fs.mkdirSync(path.join(bad, 'no-runs'));
fs.writeFileSync(path.join(bad, 'no-runs', 'manifest.json'), JSON.stringify({ tool: 'mmoe-sweep', status: 'complete', config: {} }));
fs.writeFileSync(path.join(bad, 'a-file'), 'x\n');
const good = writeSynthetic(path.join(bad, 'good'), { models: MODELS, correlations: [0.5, 1], runs: 3, truth: PAPER_LIKE });

const CASES: [string[], string][] = [
  [['report', path.join(bad, 'missing')], 'missing'],
  [['report', path.join(bad, 'a-file')], 'a-file'],
  [['report', path.join(bad, 'empty')], 'empty'],
  [['report', path.join(bad, 'other')], 'other'],
  [['report', path.join(bad, 'no-runs')], 'runs.csv'],
  [['report', good, '--metric', 'mse'], 'mse'],
  [['report', good, '--margin', '-0.1'], '-0.1'],
  [['report', good, '--alpha', '1.5'], '1.5'],
  [['report'], 'dir'],
];

for (const [args, fragment] of CASES) {
  test(`report: bad input ${args.slice(1).map((a) => path.basename(a)).join(' ')} → exit 2, one line, nothing written`, () => {
    const before = snapshot(bad);
    const r = runCli(args);
    assert.equal(r.code, 2, `exit ${r.code}; stderr: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].includes(fragment), `stderr does not name ${fragment}: ${lines[0]}`);
    assert.match(lines[0], /allowed/);
    assert.equal(r.stdout, '');
    assert.equal(snapshot(bad), before, 'a file was written');
  });
}

test('an unresolved comparison says what its runs rule out: the ends of its effect interval, as in claims.csv', () => {
  // omoe and mmoe equal up to symmetric noise: C1's omoe > mmoe cannot be decided at any p
  const truth: Truth = (model, p, run, noise) => {
    const base = 0.1 + 0.01 * noise();
    if (model === 'shared-bottom') return base + 0.1;
    return model === 'mmoe' ? base + 0.005 * noise() : base;
  };
  const dir = writeSynthetic(path.join(tmpDir('rule-out'), 'tie'), { models: MODELS, correlations: [0.5, 1], runs: 40, truth });
  assert.equal(runCli(['report', dir]).code, 0);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  const claims = readTable(path.join(dir, 'claims.csv'));
  const col = (n: string) => claims.header.indexOf(n);
  let checked = 0;
  for (const row of claims.rows.filter((r) => r[col('claim')] === 'C1' && r[col('models')] === 'omoe;mmoe')) {
    if (row[col('verdict')] !== 'unresolved') continue;
    const p = row[col('correlations')];
    const m = new RegExp(`p=${p}: omoe > mmoe: an effect above ([0-9.e+-]+) .*?in the claim's favour, and one beyond ([0-9.e+-]+) `).exec(md);
    assert.ok(m, `no rule-out sentence for p=${p}`);
    const [high, low] = [Number(row[col('effect_ci_high')]), Number(row[col('effect_ci_low')])];
    assert.ok(high > 0 && low < 0, `the interval straddles 0: ${low} – ${high}`);
    assert.ok(Math.abs(Number(m[1]) - high) <= 1e-3 * high, `${m[1]} against ${high}`);
    assert.ok(Math.abs(Number(m[2]) + low) <= 1e-3 * -low, `${m[2]} against ${-low}`);
    checked++;
  }
  assert.ok(checked >= 1, 'no unresolved omoe > mmoe comparison to check');
  assert.doesNotMatch(md.split('## Claims in detail')[0], /rule out/, 'the sentences belong to the detail section');
});
