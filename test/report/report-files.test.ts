// What the report's figures hold, checked against the runs they come from; PNGs and PDFs; paths in
// report.md; and a report re-run on a folder whose large inputs are compressed or missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { REPORT_OUTPUTS } from '../../src/report/columns';
import { PAPER_FIGURE4 } from '../../src/report/paper';
import { readTable, runCli, tmpDir } from '../helpers/cli';
import { PAPER_LIKE, writeSynthetic } from './synthetic';

const MODELS = ['shared-bottom', 'omoe', 'mmoe'];
const CORRS = [0.5, 0.9, 1];
const RUNS = 12;

/** runs.csv → model|correlation → task → run → value, computed here without the report's code. */
function losses(dir: string, column: string): Map<string, Map<number, Map<number, number>>> {
  const t = readTable(path.join(dir, 'runs.csv'));
  const at = (name: string) => t.header.indexOf(name);
  const out = new Map<string, Map<number, Map<number, number>>>();
  for (const r of t.rows) {
    const key = `${r[at('model')]}|${Number(r[at('correlation')])}`;
    if (!out.has(key)) out.set(key, new Map());
    const task = Number(r[at('task')]);
    if (!out.get(key)!.has(task)) out.get(key)!.set(task, new Map());
    out.get(key)!.get(task)!.set(Number(r[at('run')]), Number(r[at(column)]));
  }
  return out;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const rows = (dir: string, name: keyof typeof REPORT_OUTPUTS) => {
  const t = readTable(path.join(dir, REPORT_OUTPUTS[name].file));
  return t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i]])));
};

const base = tmpDir('report-files');
const dir = writeSynthetic(path.join(base, 'study'), { models: MODELS, correlations: CORRS, runs: RUNS, truth: PAPER_LIKE, extras: true });
const first = runCli(['report', 'study'], { cwd: base });

test('the headline and per-task figures hold the runs\' means, their 95% intervals and the paper\'s values', () => {
  assert.equal(first.code, 0, first.stderr);
  const truth = losses(dir, 'eval_loss_normalized');
  const head = rows(dir, 'finalLoss');
  assert.equal(head.length, MODELS.length * CORRS.length);
  for (const r of head) {
    const tasks = truth.get(`${r.model}|${Number(r.correlation)}`)!;
    const perRun = [...tasks.get(1)!.keys()].map((run) => (tasks.get(1)!.get(run)! + tasks.get(2)!.get(run)!) / 2);
    assert.equal(Number(r.runs), RUNS);
    assert.ok(Math.abs(Number(r.mean) - mean(perRun)) < 1e-12, `${r.model} ${r.correlation}`);
    assert.ok(Number(r.ci_low) < Number(r.mean) && Number(r.mean) < Number(r.ci_high));
    // a 95% t interval of 12 runs: half-width = t(0.975, 11) · sd / √12
    const sd = Math.sqrt(perRun.reduce((a, v) => a + (v - mean(perRun)) ** 2, 0) / (RUNS - 1));
    assert.ok(Math.abs((Number(r.ci_high) - Number(r.ci_low)) / 2 - (2.200985 * sd) / Math.sqrt(RUNS)) < 1e-6);
    assert.equal(Number(r.paper), PAPER_FIGURE4[r.model][Number(r.correlation)]);
  }
  const byTask = rows(dir, 'finalLossByTask');
  assert.equal(byTask.length, MODELS.length * CORRS.length * 2);
  for (const r of byTask) {
    const v = [...losses(dir, 'eval_loss_normalized').get(`${r.model}|${Number(r.correlation)}`)!.get(Number(r.task))!.values()];
    assert.ok(Math.abs(Number(r.mean) - mean(v)) < 1e-12);
  }
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.ok(md.includes('## Final held-out loss per task'));
  assert.ok(md.includes('](figures/fig4-final-loss.svg)'));
});

test('Figure 6 ranks each task\'s experts by its own gate', () => {
  // synthetic gates: mmoe's task 2 gives 0.1, 0.2, 0.3, 0.4 to the experts task 1 gives 0.4 … 0.1
  for (const r of rows(dir, 'gates')) {
    const want = [0.4, 0.3, 0.2, 0.1][Number(r.expert_rank) - 1];
    assert.ok(Math.abs(Number(r.weight) - want) < 1e-12, `${r.model} task ${r.task} rank ${r.expert_rank}: ${r.weight}`);
  }
});

test('Figure 2 analog: one sweep point per correlation and the paper\'s nine', () => {
  const f = rows(dir, 'labelCorrelation');
  const sweep = f.filter((r) => r.source.startsWith('this sweep'));
  assert.deepEqual(sweep.map((r) => Number(r.cosine)), CORRS);
  for (const r of sweep) assert.ok(Math.abs(Number(r.label_correlation) - Number(r.cosine)) < 1e-12); // synthetic label_correlation = p, averaged over cells
  assert.equal(f.filter((r) => r.source.startsWith('paper')).length, 9);
});

test('report.md names the folder as typed, relative, and carries the command that reproduces the sweep', () => {
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.ok(!md.includes(base), 'no machine path');
  assert.doesNotMatch(md, /(^|[\s`(])\/(tmp|home|work|Users)\//m);
  assert.ok(md.includes('Sweep `study`'));
  // given as an absolute path, still relative to where it runs
  const again = runCli(['report', dir], { cwd: base });
  assert.equal(again.code, 0, again.stderr);
  assert.ok(!fs.readFileSync(path.join(dir, 'report.md'), 'utf8').includes(base));
});

test('the reproducing command comes from manifest.command with npx and this folder', () => {
  const other = writeSynthetic(path.join(base, 'cmd'), { models: MODELS, correlations: [0.5, 1], runs: 3, truth: PAPER_LIKE });
  const m = JSON.parse(fs.readFileSync(path.join(other, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(other, 'manifest.json'), JSON.stringify({ ...m, command: ['--preset', 'smoke', '--runs', '3', '--out', '/somewhere/else', '--quiet'] }));
  assert.equal(runCli(['report', 'cmd'], { cwd: base }).code, 0);
  assert.ok(fs.readFileSync(path.join(other, 'report.md'), 'utf8').includes('npx mmoe-sweep --preset smoke --runs 3 --out cmd\n'));
});

test('a merged folder: no merge line passed off as the sweep, the config route instead', () => {
  const other = writeSynthetic(path.join(base, 'merged'), { models: MODELS, correlations: [0.5, 1], runs: 3, truth: PAPER_LIKE });
  const m = JSON.parse(fs.readFileSync(path.join(other, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(other, 'manifest.json'), JSON.stringify({ ...m, command: ['merge', 's1', 's2', '--out', 'merged'], mergedFrom: [{ dir: 's1' }, { dir: 's2' }] }));
  assert.equal(runCli(['report', 'merged'], { cwd: base }).code, 0);
  const md = fs.readFileSync(path.join(other, 'report.md'), 'utf8');
  assert.ok(md.includes('Merged from 2 shards (`npx mmoe-sweep merge s1 s2 --out merged`)'));
  assert.ok(md.includes('npx mmoe-sweep --config FILE --out merged\nnpx mmoe-sweep report merged\n'));
});

/** Width and height from a PNG's IHDR, after checking its signature. */
function pngSize(file: string): { width: number; height: number } {
  const b = fs.readFileSync(file);
  assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  assert.equal(b.subarray(12, 16).toString('latin1'), 'IHDR');
  assert.equal(b.subarray(b.length - 8, b.length - 4).toString('latin1'), 'IEND', `${file} is cut short`);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test('every SVG has a PNG beside it, at twice its scale, cropped to what is drawn, and a PDF of its page size', () => {
  for (const f of fs.readdirSync(path.join(dir, 'figures')).filter((n) => n.endsWith('.svg'))) {
    const svg = fs.readFileSync(path.join(dir, 'figures', f), 'utf8');
    const [, w, h] = svg.match(/width="(\d+)" height="(\d+)"/)!.map(Number);
    const png = pngSize(path.join(dir, 'figures', f.replace(/\.svg$/, '.png')));
    assert.ok(png.width <= 2 * w && png.height <= 2 * h, `${f}: ${png.width}×${png.height} vs svg ${w}×${h}`);
    assert.ok(png.width >= w && png.height >= 1.5 * h, `${f}: ${png.width}×${png.height} is too small for svg ${w}×${h}`);
    const pdf = fs.readFileSync(path.join(dir, 'figures', f.replace(/\.svg$/, '.pdf'))).toString('latin1');
    assert.equal(pdf.slice(0, 5), '%PDF-', f);
    const page = pdf.match(/\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/)!.slice(1).map(Number);
    assert.ok(Math.abs(page[0] - png.width / 2) <= 1 && Math.abs(page[1] - png.height / 2) <= 1, `${f}: pdf page ${page} vs png ${png.width}×${png.height}`);
  }
});

test('curves and gates compressed: the same figures; missing: a warning naming them, and stale figures removed', () => {
  const figures = ['fig3-shared-bottom-curves', 'fig4-loss-curves', 'fig6-gates'];
  const before = figures.map((f) => fs.readFileSync(path.join(dir, 'figures', `${f}.csv`), 'utf8'));
  for (const f of ['curves.csv', 'gates.csv']) {
    fs.writeFileSync(path.join(dir, `${f}.gz`), zlib.gzipSync(fs.readFileSync(path.join(dir, f))));
    fs.rmSync(path.join(dir, f));
  }
  const gz = runCli(['report', 'study'], { cwd: base });
  assert.equal(gz.code, 0, gz.stderr);
  assert.equal(gz.stderr, '');
  assert.deepEqual(figures.map((f) => fs.readFileSync(path.join(dir, 'figures', `${f}.csv`), 'utf8')), before);

  for (const f of ['curves.csv', 'gates.csv']) fs.rmSync(path.join(dir, `${f}.gz`));
  const bare = runCli(['report', 'study'], { cwd: base });
  assert.equal(bare.code, 0, bare.stderr);
  assert.match(bare.stderr, /^warning: curves\.csv \(nor curves\.csv\.gz\) is absent in study: skipped fig3-shared-bottom-curves, fig4-loss-curves$/m);
  assert.match(bare.stderr, /^warning: gates\.csv \(nor gates\.csv\.gz\) is absent in study: skipped fig6-gates, the gate table$/m);
  assert.match(bare.stderr, /removed 15 stale figure files/);
  for (const f of figures) for (const ext of ['.csv', '.vl.json', '.svg', '.png', '.pdf']) assert.ok(!fs.existsSync(path.join(dir, 'figures', f + ext)), `${f}${ext} is stale`);
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.ok(!md.includes('## Gates'));
  assert.match(md, /Not drawn: .*fig6-gates \(gates\.csv is absent\)/);
  for (const f of ['fig4-final-loss', 'fig5-histograms']) assert.ok(fs.existsSync(path.join(dir, 'figures', `${f}.png`)));
});

test('Figure 5 widens its range when more than 5% of runs lie beyond the config\'s 0.7 (raw losses here)', () => {
  const other = writeSynthetic(path.join(base, 'raw'), { models: MODELS, correlations: [0.5, 1], runs: 12, truth: PAPER_LIKE });
  assert.equal(runCli(['report', 'raw', '--metric', 'raw'], { cwd: base }).code, 0);
  const raw = [...losses(other, 'eval_loss').values()].flatMap((t) => [...t.get(1)!.keys()].map((run) => (t.get(1)!.get(run)! + t.get(2)!.get(run)!) / 2));
  assert.ok(raw.filter((v) => v >= 0.7).length > 0.05 * raw.length, 'the test needs runs beyond 0.7');
  const h = rows(other, 'histograms');
  const overflow = h.filter((r) => r.overflow === 'true');
  assert.ok(Number(overflow[0].bin_start) >= Math.max(...raw) * 0.9, `range ends at ${overflow[0].bin_start}; largest run ${Math.max(...raw)}`);
  assert.ok(overflow.reduce((a, r) => a + Number(r.count), 0) <= Math.ceil(0.01 * raw.length) * MODELS.length, 'at most the top 1% overflow');
  assert.equal(h.reduce((a, r) => a + Number(r.count), 0), raw.length);
  // normalized losses all lie below 0.7: the paper's range is kept
  assert.equal(runCli(['report', 'raw'], { cwd: base }).code, 0);
  assert.equal(Number(rows(other, 'histograms').find((r) => r.overflow === 'true')!.bin_start), 0.7);
});
