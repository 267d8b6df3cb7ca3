// The paper's figures from a sweep folder: each one a CSV, a Vega-Lite spec that reads it by a
// relative URL (so a user can restyle it), and the SVG rendered from that pair in Node.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { writeAtomic } from '../output/files';
import { REPORT_OUTPUTS, ReportOutput, reportHeader } from './columns';
import { cellKey, runsOf, Sweep } from './load';
import { histogram } from './summary';
import { mean, meanCi } from './stats';

export const FIGURES_DIR = 'figures';

/** Fixed colours, so a model looks the same in every figure. */
const MODEL_COLORS: Record<string, string> = { 'shared-bottom': '#d62728', omoe: '#ff7f0e', mmoe: '#1f77b4' };

export function metricLabel(s: Sweep): string {
  return s.metric === 'normalized' ? 'held-out MSE / label variance' : 'held-out MSE';
}

type Spec = Record<string, unknown>;

export interface Figure {
  name: string;
  output: ReportOutput;
  rows: unknown[][];
  spec: Spec;
}


function csvData(output: ReportOutput, numbers: string[]): Spec {
  const parse = Object.fromEntries(numbers.map((n) => [n, 'number']));
  return { url: path.basename(REPORT_OUTPUTS[output].file), format: { type: 'csv', parse } };
}

function modelColor(models: string[]): Spec {
  return { field: 'model', type: 'nominal', title: 'model', scale: { domain: models, range: models.map((m) => MODEL_COLORS[m] ?? '#555555') } };
}

// ---- Figures 3 and 4: loss vs step ------------------------------------------------------

/** Per (model, correlation, step): each run's loss averaged over its tasks, then mean and 95% CI over runs. */
function curvePoints(s: Sweep): { model: string; correlation: number; step: number; values: number[] }[] {
  const column = s.metric === 'normalized' ? 'loss_normalized' : 'loss';
  const perRun = new Map<string, { model: string; correlation: number; step: number; run: number; values: number[] }>();
  for (const r of s.curves ?? []) {
    const correlation = Number(r.correlation);
    if (!runsOf(s, r.model, correlation).has(Number(r.run))) continue; // diverged runs are left out everywhere
    const key = `${cellKey(r.model, correlation)}|${r.step}|${r.run}`;
    if (!perRun.has(key)) perRun.set(key, { model: r.model, correlation, step: Number(r.step), run: Number(r.run), values: [] });
    perRun.get(key)!.values.push(Number(r[column]));
  }
  const points = new Map<string, { model: string; correlation: number; step: number; values: number[] }>();
  for (const e of perRun.values()) {
    const key = `${cellKey(e.model, e.correlation)}|${e.step}`;
    if (!points.has(key)) points.set(key, { model: e.model, correlation: e.correlation, step: e.step, values: [] });
    points.get(key)!.values.push(mean(e.values));
  }
  const order = (m: string) => s.models.indexOf(m);
  return [...points.values()].sort((a, b) => order(a.model) - order(b.model) || b.correlation - a.correlation || a.step - b.step);
}

function band(values: number[]): [number, number, number] {
  const ci = meanCi(values);
  return values.length > 1 ? [ci.mean, ci.low, ci.high] : [ci.mean, ci.mean, ci.mean];
}

/** A y range that shows the end of training: the paper's 0–0.7 when 1.3 × the largest final mean fits, else up to that (lines above it are clipped). */
function curveDomain(s: Sweep, rows: { step: number; values: number[]; model: string; correlation: number }[]): number[] {
  const last = new Map<string, { step: number; values: number[] }>();
  for (const r of rows) {
    const k = cellKey(r.model, r.correlation);
    if (!last.has(k) || last.get(k)!.step < r.step) last.set(k, r);
  }
  const top = Math.max(...[...last.values()].map((r) => mean(r.values)));
  const cut = Math.ceil(top * 1.3 * 10) / 10;
  return [0, cut <= s.histogramMax ? s.histogramMax : cut];
}

const LOSS_Y = (s: Sweep, domain: number[], field: string) => ({ field, type: 'quantitative', title: metricLabel(s), scale: { domain } });

function lossCurves(s: Sweep): Figure | null {
  if (!s.curves || s.curves.length === 0) return null;
  const points = curvePoints(s);
  const rows = points.map((p) => [p.model, p.correlation, p.step, p.values.length, ...band(p.values)]);
  const domain = curveDomain(s, points);
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  return {
    name: 'fig4-loss-curves',
    output: 'curves',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Held-out loss vs training step (paper Figure 4)', subtitle: ['line: mean over runs (each run: mean of its two tasks)', `band: 95% CI of the mean; y axis cut at ${domain[1]}`], anchor: 'start' },
      data: csvData('curves', ['correlation', 'step', 'runs', 'mean', 'ci_low', 'ci_high']),
      facet: { column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value", labelFontSize: 12 } } },
      spec: {
        width: 240,
        height: 220,
        layer: [
          { mark: { type: 'area', opacity: 0.2, clip: true }, encoding: { x, y: LOSS_Y(s, domain, 'ci_low'), y2: { field: 'ci_high' }, color: modelColor(s.models) } },
          { mark: { type: 'line', clip: true, strokeWidth: 2 }, encoding: { x, y: LOSS_Y(s, domain, 'mean'), color: modelColor(s.models) } },
        ],
      },
      config: { legend: { orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } },
    },
  };
}

function sharedBottomCurves(s: Sweep): Figure | null {
  if (!s.curves || !s.models.includes('shared-bottom')) return null;
  const points = curvePoints(s).filter((p) => p.model === 'shared-bottom');
  if (points.length === 0) return null;
  const rows = points.map((p) => [p.correlation, p.step, p.values.length, ...band(p.values)]);
  const domain = curveDomain(s, points);
  const x = { field: 'step', type: 'quantitative', title: 'training step' };
  const color = { field: 'correlation', type: 'ordinal', sort: 'descending', title: 'correlation p', scale: { scheme: 'viridis' } };
  return {
    name: 'fig3-shared-bottom-curves',
    output: 'sharedBottom',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Shared-bottom: loss vs step (paper Figure 3)', subtitle: ['line: mean over runs (each run: mean of its two tasks)', `band: 95% CI of the mean; y axis cut at ${domain[1]}`], anchor: 'start' },
      data: csvData('sharedBottom', ['correlation', 'step', 'runs', 'mean', 'ci_low', 'ci_high']),
      width: 360,
      height: 240,
      layer: [
        { mark: { type: 'area', opacity: 0.2, clip: true }, encoding: { x, y: LOSS_Y(s, domain, 'ci_low'), y2: { field: 'ci_high' }, color } },
        { mark: { type: 'line', clip: true, strokeWidth: 2 }, encoding: { x, y: LOSS_Y(s, domain, 'mean'), color } },
      ],
      config: { legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } },
    },
  };
}

// ---- Figure 5: histograms ---------------------------------------------------------------

function histograms(s: Sweep): Figure {
  const width = s.histogramMax / s.histogramBins;
  const rows: unknown[][] = [];
  for (const model of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const values = [...runsOf(s, model, p).values()];
      if (!s.cells.has(cellKey(model, p))) continue;
      for (const b of histogram(values, s.histogramBins, s.histogramMax)) {
        const overflow = !Number.isFinite(b.end);
        rows.push([model, p, b.start, overflow ? b.start + width : b.end, overflow, b.count, values.length, values.length ? b.count / values.length : 0]);
      }
    }
  }
  const max = s.histogramMax;
  return {
    name: 'fig5-histograms',
    output: 'histograms',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Final held-out loss over runs (paper Figure 5)', subtitle: [`each run: mean of its two tasks; bins of ${+width.toFixed(4)}`, `grey bar: runs with loss ≥ ${max}`], anchor: 'start' },
      data: csvData('histograms', ['correlation', 'bin_start', 'bin_end', 'count', 'runs', 'fraction']),
      facet: {
        row: { field: 'model', type: 'nominal', sort: s.models, header: { title: null, labelFontSize: 12, labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value", labelFontSize: 12 } },
      },
      spec: {
        width: 200,
        height: 110,
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'bin_start', type: 'quantitative', title: metricLabel(s), scale: { domain: [0, max + width], nice: false }, axis: { values: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].filter((v) => v <= max + 1e-9), format: '.1f' } },
          x2: { field: 'bin_end' },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of runs', scale: { domain: [0, 1] }, axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' } },
          color: { condition: { test: "datum.overflow === 'true' || datum.overflow === true", value: '#9e9e9e' }, field: 'model', type: 'nominal', scale: { domain: s.models, range: s.models.map((m) => MODEL_COLORS[m] ?? '#555555') }, legend: null },
          tooltip: [{ field: 'model' }, { field: 'correlation' }, { field: 'bin_start' }, { field: 'count' }, { field: 'runs' }],
        },
      },
      resolve: { scale: { x: 'shared', y: 'shared' } },
    },
  };
}

// ---- Figure 6 analog: gates -------------------------------------------------------------

export interface GateRun {
  model: string;
  correlation: number;
  run: number;
  /** weights[task − 1][expert − 1] */
  weights: number[][];
}

export function gateRuns(s: Sweep): GateRun[] {
  const by = new Map<string, GateRun>();
  for (const r of s.gates ?? []) {
    const correlation = Number(r.correlation);
    if (!runsOf(s, r.model, correlation).has(Number(r.run))) continue;
    const key = `${cellKey(r.model, correlation)}|${r.run}`;
    if (!by.has(key)) by.set(key, { model: r.model, correlation, run: Number(r.run), weights: [[], []] });
    const task = Number(r.task) - 1;
    if (task === 0 || task === 1) by.get(key)!.weights[task][Number(r.expert) - 1] = Number(r.weight);
  }
  return [...by.values()].filter((g) => g.weights.every((w) => w.length > 0 && w.every((v) => Number.isFinite(v))));
}

function gatesFigure(s: Sweep): Figure | null {
  const runs = gateRuns(s);
  if (runs.length === 0) return null;
  const experts = Math.max(...runs.map((g) => g.weights[0].length));
  const rows: unknown[][] = [];
  const models = s.models.filter((m) => runs.some((g) => g.model === m));
  for (const model of models) {
    for (const p of s.correlations.slice().reverse()) {
      const cell = runs.filter((g) => g.model === model && g.correlation === p);
      if (cell.length === 0) continue;
      // order each run's experts by task 1's weight: expert indices mean nothing across runs
      const ordered = cell.map((g) => {
        const order = g.weights[0].map((_, i) => i).sort((a, b) => g.weights[0][b] - g.weights[0][a]);
        return g.weights.map((w) => order.map((i) => w[i]));
      });
      for (const task of [1, 2]) {
        for (let rank = 1; rank <= experts; rank++) {
          const [m, lo, hi] = band(ordered.map((w) => w[task - 1][rank - 1] ?? 0));
          rows.push([model, p, task, rank, cell.length, m, lo, hi]);
        }
      }
    }
  }
  const x = { field: 'expert_rank', type: 'ordinal', title: "expert (ranked by task 1's gate)", axis: { labelAngle: 0 } };
  return {
    name: 'fig6-gates',
    output: 'gates',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Gate weight per expert and task (Figure 6 analog)', subtitle: ['mean over runs, with 95% CI', `dashed: uniform 1/${experts}; omoe's one gate serves both tasks`], anchor: 'start' },
      data: csvData('gates', ['correlation', 'task', 'expert_rank', 'runs', 'weight', 'ci_low', 'ci_high']),
      facet: {
        row: { field: 'model', type: 'nominal', sort: models, header: { title: null, labelFontSize: 12, labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value", labelFontSize: 12 } },
      },
      spec: {
        width: 220,
        height: 120,
        layer: [
          { mark: 'bar', encoding: { x, xOffset: { field: 'task', type: 'nominal' }, y: { field: 'weight', type: 'quantitative', title: 'mean gate weight' }, color: { field: 'task', type: 'nominal', title: 'task', scale: { range: ['#1f77b4', '#2ca02c'] } } } },
          { mark: { type: 'rule', color: 'black', opacity: 0.6 }, encoding: { x, xOffset: { field: 'task', type: 'nominal' }, y: { field: 'ci_low', type: 'quantitative' }, y2: { field: 'ci_high' } } },
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, data: { values: [{ uniform: 1 / experts }] }, encoding: { y: { field: 'uniform', type: 'quantitative' } } },
        ],
      },
      config: { legend: { orient: 'bottom' } },
    },
  };
}

// ---- writing and rendering --------------------------------------------------------------

export function buildFigures(s: Sweep): Figure[] {
  return [sharedBottomCurves(s), lossCurves(s), histograms(s), gatesFigure(s)].filter((f): f is Figure => f !== null);
}

// vega and vega-lite are ES modules with top-level await: load them with a real import(),
// which TypeScript's CommonJS output would otherwise turn into require().
const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<any>;

/** Writes NAME.csv, NAME.vl.json and NAME.svg for each figure into dir/figures; returns the files. */
export async function writeFigures(dir: string, figures: Figure[]): Promise<string[]> {
  const out = path.join(dir, FIGURES_DIR);
  fs.mkdirSync(out, { recursive: true });
  const [vega, vl] = await Promise.all([esmImport('vega'), esmImport('vega-lite')]);
  const files: string[] = [];
  for (const f of figures) {
    const csv = path.join(dir, REPORT_OUTPUTS[f.output].file);
    writeAtomic(csv, stringify(f.rows, { header: true, columns: reportHeader(f.output), cast: { boolean: (b) => String(b) } }));
    const specFile = path.join(out, `${f.name}.vl.json`);
    writeAtomic(specFile, JSON.stringify(f.spec, null, 2) + '\n');
    // render exactly what a user would: the spec on disk reading the CSV beside it
    const view = new vega.View(vega.parse(vl.compile(f.spec).spec), { renderer: 'none', loader: vega.loader({ baseURL: out + path.sep, mode: 'file' }) });
    const svgFile = path.join(out, `${f.name}.svg`);
    writeAtomic(svgFile, await view.toSVG());
    view.finalize();
    files.push(csv, specFile, svgFile);
  }
  return files;
}
