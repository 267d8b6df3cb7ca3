// The paper's figures from a sweep folder: each one a CSV, a Vega-Lite spec that reads it by a
// relative URL (so a user can restyle it), and the SVG, PNG and PDF rendered from that pair in Node.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { writeAtomic } from '../output/files';
import { REPORT_OUTPUTS, ReportOutput, reportHeader } from './columns';
import { cellKey, Facets, orderModels, pointText, runsOf, Sweep } from './load';
import { PAPER_FIGURE2, PAPER_FIGURE4 } from './paper';
import { FONT_FAMILY, svgToPdf, svgToPng } from './render';
import { histogram, quantile } from './summary';
import { mean, meanCi } from './stats';
import { BASELINE } from '../output/gain';

export const FIGURES_DIR = 'figures';

interface ModelStyle { color: string; dash: number[]; shape: string }
/**
 * Fixed colours, dashes and point shapes, so a model looks the same in every figure, in grey
 * too; the paper's three keep the ones their committed figures were drawn in.
 */
const MODEL_STYLES: Record<string, ModelStyle> = {
  'single-task': { color: '#555555', dash: [14, 4], shape: 'cross' },
  'shared-bottom': { color: '#d62728', dash: [1, 0], shape: 'square' },
  omoe: { color: '#ff7f0e', dash: [8, 4], shape: 'triangle-up' },
  mmoe: { color: '#1f77b4', dash: [2, 3], shape: 'circle' },
  cgc: { color: '#2ca02c', dash: [12, 3, 3, 3], shape: 'diamond' },
  ple: { color: '#9467bd', dash: [4, 2, 1, 2], shape: 'triangle-down' },
  'cross-stitch': { color: '#8c564b', dash: [6, 2, 6, 6], shape: 'triangle-right' },
  'l2-constrained': { color: '#e377c2', dash: [1, 3], shape: 'triangle-left' },
};
/** For models of one's own (--model-file): each takes the one its name hashes to, the next free one when taken. */
const OTHER_STYLES: ModelStyle[] = [
  { color: '#bcbd22', dash: [10, 2, 2, 2, 2, 2], shape: 'wedge' },
  { color: '#17becf', dash: [3, 1], shape: 'arrow' },
  { color: '#393b79', dash: [9, 3, 1, 3], shape: 'M0,-1L0.87,-0.5L0.87,0.5L0,1L-0.87,0.5L-0.87,-0.5Z' }, // hexagon
  { color: '#637939', dash: [5, 5], shape: 'M0,-1L0.95,-0.31L0.59,0.81L-0.59,0.81L-0.95,-0.31Z' }, // pentagon
  { color: '#7b4173', dash: [1, 1], shape: 'M0,-1L0.29,-0.4L0.95,-0.31L0.48,0.15L0.59,0.81L0,0.5L-0.59,0.81L-0.48,0.15L-0.95,-0.31L-0.29,-0.4Z' }, // star
];

/** Each model's style: MODEL_STYLES, or for others OTHER_STYLES by a hash of the name (FNV-1a), so it does not move with the set of models. */
function modelStyles(models: string[]): ModelStyle[] {
  const taken = new Set<number>();
  return models.map((m) => {
    if (MODEL_STYLES[m]) return MODEL_STYLES[m];
    let h = 0x811c9dc5;
    for (const ch of m) h = Math.imul(h ^ ch.codePointAt(0)!, 0x01000193) >>> 0;
    let i = h % OTHER_STYLES.length;
    for (let k = 0; k < OTHER_STYLES.length && taken.has(i); k++) i = (i + 1) % OTHER_STYLES.length;
    taken.add(i);
    return OTHER_STYLES[i];
  });
}

/** Models grouped by a value, each group in display order (orderModels), the groups by their first model: [["0.01", ["omoe", "mmoe"]], …]. */
export function modelsByValue(pairs: [string, string][]): [string, string[]][] {
  const valueOf = new Map(pairs);
  const groups = new Map<string, string[]>();
  for (const model of orderModels(valueOf.keys())) groups.set(valueOf.get(model)!, [...(groups.get(valueOf.get(model)!) ?? []), model]);
  return [...groups];
}

/** Fonts large enough for a slide; every figure merges this into its own config. */
const THEME = {
  font: FONT_FAMILY,
  title: { fontSize: 17, subtitleFontSize: 13 },
  axis: { labelFontSize: 13, titleFontSize: 14 },
  header: { labelFontSize: 14, titleFontSize: 14 },
  legend: { labelFontSize: 13, titleFontSize: 13, symbolSize: 120, labelLimit: 300 }, // vega's default 160 px cut "deep-single-task"
};

/** The name of every figure the report can draw: files of these names it did not redraw are stale. */
export const FIGURE_NAMES = ['fig2-label-correlation', 'fig3-shared-bottom-curves', 'fig4-final-loss', 'fig4-loss-curves', 'final-loss-by-task', 'fig5-histograms', 'fig6-gates', 'mtl-gain'] as const;
/** What each figure is drawn from, when that is more than runs.csv. */
const NEEDS: Partial<Record<(typeof FIGURE_NAMES)[number], string>> = {
  'fig3-shared-bottom-curves': 'curves.csv', 'fig4-loss-curves': 'curves.csv', 'fig6-gates': 'gates.csv',
};
const FIGURE_EXTENSIONS = ['.csv', '.vl.json', '.svg', '.png', '.pdf'];

export function metricLabel(s: Sweep): string {
  return s.metric === 'normalized' ? 'held-out MSE / label variance' : 'held-out MSE';
}

type Spec = Record<string, unknown>;

export interface Figure {
  name: string;
  output: ReportOutput;
  rows: unknown[][];
  /** Columns after the output's own (the --set axes, named by their dotted keys). */
  extraColumns?: string[];
  spec: Spec;
}


function csvData(output: ReportOutput, numbers: string[]): Spec {
  const parse = Object.fromEntries(numbers.map((n) => [n, 'number']));
  return { url: path.basename(REPORT_OUTPUTS[output].file), format: { type: 'csv', parse } };
}

/** An encoding of the model by one part of its style, over `models` in order (titled: for a legend). */
function modelScale(models: string[], part: keyof ModelStyle, titled = true): Spec {
  return { field: 'model', type: 'nominal', ...(titled ? { title: 'model' } : {}), scale: { domain: models, range: modelStyles(models).map((st) => st[part]) } };
}
const modelColor = (models: string[]) => modelScale(models, 'color');
const modelDash = (models: string[]) => modelScale(models, 'dash');
const modelShape = (models: string[]) => modelScale(models, 'shape');

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
          { mark: { type: 'line', clip: true, strokeWidth: 2.5 }, encoding: { x, y: LOSS_Y(s, domain, 'mean'), color: modelColor(s.models), strokeDash: modelDash(s.models) } },
        ],
      },
      config: { ...THEME, legend: { ...THEME.legend, orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, symbolSize: 400 } },
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
  const dash = { field: 'correlation', type: 'ordinal', sort: 'descending', title: 'correlation p', scale: { range: [[1, 0], [8, 4], [2, 3], [12, 3, 3, 3], [4, 2, 1, 2]] } };
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
        { mark: { type: 'line', clip: true, strokeWidth: 2.5 }, encoding: { x, y: LOSS_Y(s, domain, 'mean'), color, strokeDash: dash } },
      ],
      config: { ...THEME, legend: { ...THEME.legend, symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1, symbolSize: 400 } },
    },
  };
}

// ---- the headline: final loss against correlation, beside the paper's Figure 4 --------

/** Mean over runs and its 95% CI (a point for one run). */
function ciRow(values: number[]): [number, number, number, number] {
  return [values.length, ...band(values)];
}

/** Correlation on x, falling to the right as in the paper's panels, ticks at the sweep's correlations. */
// every correlation labelled ("1", "0.9": vega's default overlap rule dropped every other label)
const correlationX = (s: Sweep) => ({ field: 'correlation', type: 'quantitative', title: 'task correlation (cosine p)', scale: { reverse: true, zero: false, padding: 24 }, axis: { values: s.correlations, format: '~g', labelOverlap: false } });

/** Models' spacing at one x: 7 px, closer for more than five models so the group stays within 28 px (neighbouring correlations 0.9 and 1 lie ~45 px apart). */
const dodgeStep = (n: number): number => (n <= 5 ? 7 : 28 / (n - 1));
/** Said in the subtitle of every figure drawn with `dodge`. */
const dodgeNote = (n: number): string => `models set ${+dodgeStep(n).toFixed(1)} px apart at each x, in legend order, so no interval hides another`;

/** A mark's x offset by model, centred on the true x, so models' intervals at one x stand side by side, not on top of each other. */
const dodge = (models: string[]) => ({ expr: `(indexof(${JSON.stringify(models)}, datum.model) - ${(models.length - 1) / 2}) * ${dodgeStep(models.length)}` });

/** Mean per model against x (correlation unless given): a dashed-by-model line, the 95% CI as a bar, a filled point shaped by model; dodged by model (`dodge`). */
function meanWithCiLayers(s: Sweep, title = metricLabel(s), models = s.models, x: Spec = correlationX(s), tips: string[] = []): { enc: Spec; layers: Spec[]; xOffset: Spec } {
  const y = { field: 'mean', type: 'quantitative', title, scale: { zero: true } };
  const enc = { x, color: modelColor(models) };
  const tooltip = ['model', 'correlation', ...tips, 'runs', 'mean', 'ci_low', 'ci_high'].map((field) => ({ field }));
  const xOffset = dodge(models);
  return {
    enc,
    xOffset,
    layers: [
      { mark: { type: 'line', strokeWidth: 2.5, xOffset }, encoding: { ...enc, y, strokeDash: modelDash(models) } },
      { mark: { type: 'rule', strokeWidth: 2, xOffset }, encoding: { ...enc, y: { field: 'ci_low', type: 'quantitative' }, y2: { field: 'ci_high' } } },
      { mark: { type: 'point', filled: true, size: 110, opacity: 1, xOffset }, encoding: { ...enc, y, shape: modelShape(models), tooltip } },
    ],
  };
}

function finalLoss(s: Sweep): Figure {
  const rows: unknown[][] = [];
  for (const model of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const values = [...runsOf(s, model, p).values()];
      if (!s.cells.has(cellKey(model, p))) continue;
      const paper = PAPER_FIGURE4[model]?.[p];
      rows.push([model, p, ...ciRow(values), paper ?? '']);
    }
  }
  const { enc, layers, xOffset } = meanWithCiLayers(s);
  return {
    name: 'fig4-final-loss',
    output: 'finalLoss',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Final held-out loss vs task correlation (paper Figure 4, end of training)', subtitle: ['filled, with bars: this sweep, mean over runs (each run: mean of its two tasks) and 95% CI', "hollow: the paper's Figure 4 values (one task, read off the figure)", dodgeNote(s.models.length)], anchor: 'start' },
      data: csvData('finalLoss', ['correlation', 'runs', 'mean', 'ci_low', 'ci_high', 'paper']),
      width: 420,
      height: 300,
      layer: [
        ...layers,
        { transform: [{ filter: 'isValid(datum.paper)' }], mark: { type: 'point', filled: false, size: 110, strokeWidth: 2, opacity: 1, xOffset }, encoding: { ...enc, y: { field: 'paper', type: 'quantitative' }, shape: modelShape(s.models) } },
      ],
      config: { ...THEME, legend: { ...THEME.legend, orient: 'right' } },
    },
  };
}

function finalLossByTask(s: Sweep): Figure | null {
  const rows: unknown[][] = [];
  const tasks = [...new Set([...s.cells.values()].flatMap((c) => [...c.tasks.keys()]))].sort((a, b) => a - b);
  if (tasks.length < 2) return null;
  for (const model of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const c = s.cells.get(cellKey(model, p));
      if (!c) continue;
      for (const t of tasks) rows.push([model, p, t, ...ciRow([...(c.tasks.get(t)?.values() ?? [])])]);
    }
  }
  const { layers } = meanWithCiLayers(s);
  return {
    name: 'final-loss-by-task',
    output: 'finalLossByTask',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Final held-out loss per task vs task correlation', subtitle: ['mean over runs with 95% CI, each task on its own', dodgeNote(s.models.length)], anchor: 'start' },
      data: csvData('finalLossByTask', ['correlation', 'task', 'runs', 'mean', 'ci_low', 'ci_high']),
      facet: { column: { field: 'task', type: 'ordinal', header: { title: null, labelExpr: "'task ' + datum.value" } } },
      spec: {
        width: 300,
        height: 240,
        layer: layers,
      },
      resolve: { scale: { y: 'shared' } },
      config: { ...THEME, legend: { ...THEME.legend, orient: 'right' } },
    },
  };
}

// ---- MTL gain over single-task (PLE's view) ----------------------------------------------

export interface GainCell {
  model: string;
  correlation: number;
  /** "both" (each run's mean over its tasks, runs with every task's gain), then each task. */
  task: string;
  values: number[];
  seesaw: boolean;
}

/** MTL gain per model (single-task left out: its own reference), correlation and task; [] without single-task. */
export function gainCells(s: Sweep): GainCell[] {
  const out: GainCell[] = [];
  for (const model of s.models.filter((m) => m !== BASELINE)) {
    for (const p of s.correlations.slice().reverse()) {
      const c = s.cells.get(cellKey(model, p));
      if (!c || c.gains.size === 0) continue;
      const tasks = [...c.gains.keys()].sort((a, b) => a - b);
      const runs = [...c.gains.get(tasks[0])!.keys()].filter((run) => tasks.every((t) => c.gains.get(t)!.has(run)));
      const both = runs.map((run) => mean(tasks.map((t) => c.gains.get(t)!.get(run)!)));
      const perTask = tasks.map((t) => ({ t, values: [...c.gains.get(t)!.values()], ci: meanCi([...c.gains.get(t)!.values()]) }));
      // a seesaw: one task significantly gains while another significantly loses (95% intervals on opposite sides of 0)
      const seesaw = perTask.some((a) => a.ci.low > 0) && perTask.some((b) => b.ci.high < 0);
      out.push({ model, correlation: p, task: 'both', values: both, seesaw });
      for (const e of perTask) out.push({ model, correlation: p, task: String(e.t), values: e.values, seesaw });
    }
  }
  return out;
}

function mtlGainFigure(s: Sweep): Figure | null {
  const cells = gainCells(s);
  if (cells.length === 0) return null;
  const rows = cells.map((g) => [g.model, g.correlation, g.task, ...ciRow(g.values), g.seesaw]);
  const models = s.models.filter((m) => m !== BASELINE);
  const { layers } = meanWithCiLayers(s, 'MTL gain over single-task', models);
  return {
    name: 'mtl-gain',
    output: 'mtlGain',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'MTL gain over single-task vs task correlation (PLE\'s view)', subtitle: ['(L_single − L) / L_single per run and task, paired by run index; mean over runs and 95% CI', '> 0: better than one network per task; both tasks, then each task (a seesaw: one above 0, the other below)', dodgeNote(models.length)], anchor: 'start' },
      data: csvData('mtlGain', ['correlation', 'runs', 'mean', 'ci_low', 'ci_high']),
      facet: { column: { field: 'task', type: 'ordinal', sort: ['both', '1', '2'], header: { title: null, labelExpr: "datum.value == 'both' ? 'both tasks' : 'task ' + datum.value" } } },
      spec: {
        width: 260,
        height: 240,
        layer: [{ mark: { type: 'rule', color: '#888888', strokeDash: [4, 4] }, encoding: { y: { datum: 0, type: 'quantitative' } } }, ...layers],
      },
      resolve: { scale: { y: 'shared' } },
      config: { ...THEME, legend: { ...THEME.legend, orient: 'right' } },
    },
  };
}

// ---- the --set axes: final loss against each combination ---------------------------------

export const GRID_FIGURE = 'grid-final-loss';

export interface FacetCell {
  model: string;
  correlation: number;
  /** The combination: the value of each open axis (the facets; --where fixes the others). */
  point: Record<string, number>;
  lr: number;
  diverged: number;
  /** "both" (each run's loss averaged over its tasks), then each task. */
  task: string;
  values: number[];
}

/** Every model × correlation × combination's runs, each from its own combination only; by model, correlation (descending), then combination. */
export function facetCells(f: Facets): FacetCell[] {
  const open = Object.keys(f.open);
  const out: FacetCell[] = [];
  for (const model of orderModels(f.sweeps.flatMap((s) => s.models))) {
    for (const p of [...new Set(f.sweeps.flatMap((s) => s.correlations))].sort((a, b) => b - a)) {
      for (const s of f.sweeps) {
        const c = s.cells.get(cellKey(model, p));
        if (!c) continue;
        const point = Object.fromEntries(open.map((k) => [k, s.point[k]]));
        const base = { model, correlation: p, point, lr: c.lr, diverged: c.diverged };
        out.push({ ...base, task: 'both', values: [...c.runs.values()] });
        for (const [t, runs] of [...c.tasks].sort((a, b) => a[0] - b[0])) if (c.tasks.size > 1) out.push({ ...base, task: String(t), values: [...runs.values()] });
      }
    }
  }
  return out;
}

/** A field name as Vega-Lite reads it: a dotted config key's dots escaped (else they mean nesting). */
const fieldName = (key: string) => key.replace(/\./g, '\\.');

/** Final loss against the first open axis per model, one panel per correlation (and per value of the other open axes). */
export function gridFigure(f: Facets): Figure | null {
  const open = Object.keys(f.open);
  if (open.length === 0 || f.sweeps.length === 0) return null;
  const [axis, ...others] = open;
  const cells = facetCells(f);
  const rows = cells.map((c) => {
    const [n, m, low, high] = ciRow(c.values);
    return [c.model, c.correlation, c.task, pointText(c.point, others), c.lr, n, c.diverged, m, low, high, ...open.map((k) => c.point[k])];
  });
  const values = f.open[axis];
  // a log scale when the values are positive and span a factor of 4 or more (expert counts 2, 4, 8, 16)
  const log = values[0] > 0 && values[values.length - 1] / values[0] >= 4;
  const x = { field: fieldName(axis), type: 'quantitative', title: axis, scale: log ? { type: 'log', base: 2, nice: false, padding: 20 } : { zero: false, nice: false, padding: 20 }, axis: { values, format: '~g' } };
  const s = f.sweeps[0];
  const models = orderModels(cells.map((c) => c.model));
  const { layers } = meanWithCiLayers(s, metricLabel(s), models, x, [fieldName(axis)]);
  return {
    name: GRID_FIGURE,
    output: 'gridFinalLoss',
    rows,
    extraColumns: open,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: `Final held-out loss vs ${axis} (--set)`, subtitle: ['mean over the runs of each combination (each run: mean of its two tasks) with 95% CI', 'never pooled across combinations; each model at its best lr in each combination', dodgeNote(models.length)], anchor: 'start' },
      data: csvData('gridFinalLoss', ['correlation', 'lr', 'runs', 'diverged', 'mean', 'ci_low', 'ci_high', ...open.map(fieldName)]),
      transform: [{ filter: "datum.task === 'both'" }],
      facet: {
        column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value" } },
        ...(others.length ? { row: { field: 'panel', type: 'nominal', header: { title: null, labelAngle: 0, labelAlign: 'left' } } } : {}),
      },
      spec: { width: 300, height: 240, layer: layers },
      config: { ...THEME, legend: { ...THEME.legend, orient: 'right' } },
    },
  };
}

// ---- Figure 2 analog: label correlation vs cosine -----------------------------------------

/** The `correlation` command's CSV, when a user placed it in the sweep folder under this name. */
export const CORRELATION_FILE = 'correlation.csv';
const FIG2_SOURCES = ['this sweep (runs.csv: closed form)', `simulated (${CORRELATION_FILE}: ± 2 std)`, 'paper (Figure 2)'];

function labelCorrelation(s: Sweep): Figure | null {
  const rows: unknown[][] = [];
  for (const p of s.correlations) {
    const v = [...s.cells.values()].filter((c) => c.correlation === p && Number.isFinite(c.labelCorrelation)).map((c) => c.labelCorrelation);
    if (v.length) rows.push([p, FIG2_SOURCES[0], mean(v), '']);
  }
  const simulated = path.join(s.dir, CORRELATION_FILE);
  if (fs.existsSync(simulated)) {
    const sim = parse(fs.readFileSync(simulated, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    for (const r of sim) {
      if (!Number.isFinite(Number(r.cosine)) || !Number.isFinite(Number(r.label_correlation_mean))) continue;
      rows.push([Number(r.cosine), FIG2_SOURCES[1], Number(r.label_correlation_mean), Number(r.label_correlation_2std)]);
    }
  }
  if (rows.length === 0) return null;
  for (const [p, v] of Object.entries(PAPER_FIGURE2)) rows.push([Number(p), FIG2_SOURCES[2], v, '']);
  const x = { field: 'cosine', type: 'quantitative', title: 'cosine p of the task weight vectors', scale: { zero: false } };
  const by = (range: unknown[]) => ({ field: 'source', type: 'nominal', title: null, scale: { domain: FIG2_SOURCES, range } });
  const color = by(['#1f77b4', '#2ca02c', '#000000']);
  const shape = by(['circle', 'square', 'cross']);
  return {
    name: 'fig2-label-correlation',
    output: 'labelCorrelation',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Label correlation vs cosine (paper Figure 2)', subtitle: ["Pearson correlation of the two tasks' labels under the sweep's generator constants"], anchor: 'start' },
      data: csvData('labelCorrelation', ['cosine', 'label_correlation', 'two_std']),
      width: 380,
      height: 280,
      layer: [
        // no line through the sweep's own few correlations: straight segments between them would be invented
        { transform: [{ filter: `datum.source !== '${FIG2_SOURCES[0]}'` }], mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 }, encoding: { x, y: { field: 'label_correlation', type: 'quantitative', title: 'label Pearson correlation' }, color, strokeDash: by([[1, 0], [6, 3], [2, 2]]) } },
        { transform: [{ filter: 'isValid(datum.two_std)' }, { calculate: 'datum.label_correlation - datum.two_std', as: 'low' }, { calculate: 'datum.label_correlation + datum.two_std', as: 'high' }], mark: 'rule', encoding: { x, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color } },
        { mark: { type: 'point', filled: true, size: 90, opacity: 1 }, encoding: { x, y: { field: 'label_correlation', type: 'quantitative' }, color, shape } },
      ],
      config: { ...THEME, legend: { ...THEME.legend, orient: 'bottom', direction: 'vertical', labelLimit: 400 } },
    },
  };
}

// ---- Figure 5: histograms ---------------------------------------------------------------

/** A round number at or above x (1.37 → 1.5, 0.83 → 0.85). */
function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const step = 10 ** (Math.floor(Math.log10(x)) - 1) * 5;
  return +(Math.ceil(x / step - 1e-9) * step).toPrecision(6);
}

/**
 * The histogram's range: the config's (the paper's 0–0.7) when at least 95% of runs fall
 * below it, else up to a round number above the 99th percentile, so the bars show the data
 * rather than one overflow bin (raw losses, or a short sweep).
 */
export function histogramRange(s: Sweep): number {
  const all = [...s.cells.values()].flatMap((c) => [...c.runs.values()]).sort((a, b) => a - b);
  if (all.length === 0 || all.filter((v) => v < s.histogramMax).length >= 0.95 * all.length) return s.histogramMax;
  return niceCeil(quantile(all, 0.99) * 1.02);
}

function histograms(s: Sweep): Figure {
  const max = histogramRange(s);
  const width = max / s.histogramBins;
  const rows: unknown[][] = [];
  for (const model of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const values = [...runsOf(s, model, p).values()];
      if (!s.cells.has(cellKey(model, p))) continue;
      for (const b of histogram(values, s.histogramBins, max)) {
        const overflow = !Number.isFinite(b.end);
        rows.push([model, p, b.start, overflow ? b.start + width : b.end, overflow, b.count, values.length, values.length ? b.count / values.length : 0]);
      }
    }
  }
  return {
    name: 'fig5-histograms',
    output: 'histograms',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Final held-out loss over runs (paper Figure 5)', subtitle: [`each run: mean of its two tasks; bins of ${+width.toPrecision(3)}`, `grey bar: runs with loss ≥ ${max}`], anchor: 'start' },
      data: csvData('histograms', ['correlation', 'bin_start', 'bin_end', 'count', 'runs', 'fraction']),
      facet: {
        row: { field: 'model', type: 'nominal', sort: s.models, header: { title: null, labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value" } },
      },
      spec: {
        width: 240,
        height: 150,
        mark: { type: 'rect', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'bin_start', type: 'quantitative', title: metricLabel(s), scale: { domain: [0, max + width], nice: false }, axis: { tickCount: 6 } },
          x2: { field: 'bin_end' },
          y: { field: 'fraction', type: 'quantitative', title: 'fraction of runs', scale: { domain: [0, 1] }, axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' } },
          color: { condition: { test: "datum.overflow === 'true' || datum.overflow === true", value: '#9e9e9e' }, ...modelScale(s.models, 'color', false), legend: null },
          tooltip: [{ field: 'model' }, { field: 'correlation' }, { field: 'bin_start' }, { field: 'count' }, { field: 'runs' }],
        },
      },
      resolve: { scale: { x: 'shared', y: 'shared' } },
      config: THEME,
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

/**
 * Per model, the experts each task's gate mixes (its softmax's width): the experts given weight
 * > 0 in some run. Not gates.csv's row count: cgc and ple record a task's gate over all of the
 * level's experts, 0 on the other task's own ones, so a uniform gate there is 1/(own + shared).
 */
export function gateWidths(runs: GateRun[]): Map<string, number[]> {
  const reached = new Map<string, Set<number>[]>();
  for (const g of runs) {
    if (!reached.has(g.model)) reached.set(g.model, g.weights.map(() => new Set()));
    g.weights.forEach((w, t) => w.forEach((v, e) => v > 0 && reached.get(g.model)![t].add(e)));
  }
  return new Map([...reached].map(([model, sets]) => [model, sets.map((x) => x.size)]));
}

/** One model's gate width, "6", or "6 / 5" when its tasks' gates differ (a model of one's own); `of` words each number. */
export const gateWidth = (w: number[], of: (width: number) => string = String): string => (w.every((x) => x === w[0]) ? of(w[0]) : w.map(of).join(' / '));

/** "8 for omoe, mmoe; 6 for cgc": every model's gate width, models of one width together. */
export function gateWidthText(widths: Map<string, number[]>, of?: (width: number) => string): string {
  return modelsByValue([...widths].map(([m, w]): [string, string] => [m, gateWidth(w, of)])).map(([value, models]) => `${value} for ${models.join(', ')}`).join('; ');
}

function gatesFigure(s: Sweep): Figure | null {
  const runs = gateRuns(s);
  if (runs.length === 0) return null;
  const widths = gateWidths(runs);
  const rows: unknown[][] = [];
  const models = s.models.filter((m) => runs.some((g) => g.model === m));
  for (const model of models) {
    for (const p of s.correlations.slice().reverse()) {
      const cell = runs.filter((g) => g.model === model && g.correlation === p);
      if (cell.length === 0) continue;
      // order each task's experts by that task's own gate: expert indices mean nothing across
      // runs, and ranking task 2 by task 1's gate would make a concentrated gate look uniform
      const ordered = cell.map((g) => g.weights.map((w) => w.slice().sort((a, b) => b - a)));
      for (const task of [1, 2]) {
        // the ranks the task's gate can reach; the experts it cannot (another task's own) hold 0 by construction
        const width = widths.get(model)![task - 1];
        for (let rank = 1; rank <= width; rank++) {
          const [m, lo, hi] = band(ordered.map((w) => w[task - 1][rank - 1] ?? 0));
          rows.push([model, p, task, rank, cell.length, m, lo, hi, 1 / width]);
        }
      }
    }
  }
  const x = { field: 'expert_rank', type: 'ordinal', title: 'expert rank (own gate)', axis: { labelAngle: 0 } };
  return {
    name: 'fig6-gates',
    output: 'gates',
    rows,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: 'Gate weight per expert and task (Figure 6 analog)', subtitle: ['mean over runs, with 95% CI; ranks up to the experts a task\'s gate mixes', `dashed: a uniform gate, ${gateWidthText(widths, (w) => `1/${w}`)}; omoe's one gate serves both tasks`], anchor: 'start' },
      data: csvData('gates', ['correlation', 'task', 'expert_rank', 'runs', 'weight', 'ci_low', 'ci_high', 'uniform']),
      facet: {
        row: { field: 'model', type: 'nominal', sort: models, header: { title: null, labelAngle: 0, labelAlign: 'left' } },
        column: { field: 'correlation', type: 'ordinal', sort: 'descending', header: { title: 'task correlation (cosine p)', labelExpr: "'p = ' + datum.value" } },
      },
      spec: {
        width: 260,
        height: 150,
        layer: [
          // a weight lies in [0, 1]: the axis starts at 0 and a few runs' t interval is cut there, not drawn below
          { mark: { type: 'bar', stroke: 'black', strokeWidth: 0.5 }, encoding: { x, xOffset: { field: 'task', type: 'nominal' }, y: { field: 'weight', type: 'quantitative', title: 'mean gate weight', scale: { domainMin: 0 } }, color: { field: 'task', type: 'nominal', title: 'task', scale: { range: ['#1f4e9c', '#a6d96a'] } } } },
          { mark: { type: 'rule', color: 'black', opacity: 0.6, clip: true }, encoding: { x, xOffset: { field: 'task', type: 'nominal' }, y: { field: 'ci_low', type: 'quantitative' }, y2: { field: 'ci_high' } } },
          // one rule per task at its own 1/width (the tasks' widths agree in the zoo; a model of one's own may differ)
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#555' }, encoding: { y: { field: 'uniform', type: 'quantitative', aggregate: 'max' }, detail: { field: 'task', type: 'nominal' } } },
        ],
      },
      config: { ...THEME, legend: { ...THEME.legend, orient: 'bottom' } },
    },
  };
}

// ---- writing and rendering --------------------------------------------------------------

export interface Skipped {
  figure: string;
  /** Why: the input it needs is missing, or the sweep has nothing for it. */
  reason: string;
}

export function buildFigures(s: Sweep): { figures: Figure[]; skipped: Skipped[] } {
  const built = [labelCorrelation(s), sharedBottomCurves(s), finalLoss(s), lossCurves(s), finalLossByTask(s), histograms(s), gatesFigure(s), mtlGainFigure(s)];
  const figures = built.filter((f): f is Figure => f !== null);
  const skipped = FIGURE_NAMES.filter((n) => !figures.some((f) => f.name === n)).map((figure) => {
    const need = NEEDS[figure];
    const absent = need && s.missing.some((m) => m.startsWith(need));
    return { figure, reason: absent ? `${need} is absent` : 'the sweep has nothing to draw in it' };
  });
  return { figures, skipped };
}

// vega and vega-lite are ES modules with top-level await: load them with a real import(),
// which TypeScript's CommonJS output would otherwise turn into require().
const esmImport = new Function('m', 'return import(m)') as (m: string) => Promise<any>;

/**
 * Writes NAME.csv, NAME.vl.json, NAME.svg, NAME.png and NAME.pdf for each figure into
 * dir/figures; returns the files and one line for each PDF that could not be drawn (the
 * figure's other files stand without it).
 */
export async function writeFigures(dir: string, figures: Figure[]): Promise<{ files: string[]; warnings: string[] }> {
  const out = path.join(dir, FIGURES_DIR);
  fs.mkdirSync(out, { recursive: true });
  const [vega, vl] = await Promise.all([esmImport('vega'), esmImport('vega-lite')]);
  const files: string[] = [];
  const warnings: string[] = [];
  for (const f of figures) {
    const csv = path.join(dir, REPORT_OUTPUTS[f.output].file);
    writeAtomic(csv, stringify(f.rows, { header: true, columns: [...reportHeader(f.output), ...(f.extraColumns ?? [])], cast: { boolean: (b) => String(b) } }));
    const specFile = path.join(out, `${f.name}.vl.json`);
    writeAtomic(specFile, JSON.stringify(f.spec, null, 2) + '\n');
    // render exactly what a user would: the spec on disk reading the CSV beside it
    const view = new vega.View(vega.parse(vl.compile(f.spec).spec), { renderer: 'none', loader: vega.loader({ baseURL: out + path.sep, mode: 'file' }) });
    const svgFile = path.join(out, `${f.name}.svg`);
    const svg = await view.toSVG();
    view.finalize();
    writeAtomic(svgFile, svg);
    const pngFile = path.join(out, `${f.name}.png`);
    writeAtomic(pngFile, (await svgToPng(svg)).png);
    files.push(csv, specFile, svgFile, pngFile);
    const pdfFile = path.join(out, `${f.name}.pdf`);
    try {
      writeAtomic(pdfFile, await svgToPdf(svg, f.name));
      files.push(pdfFile);
    } catch (e) {
      warnings.push(`${FIGURES_DIR}/${f.name}.pdf not written: the PDF renderer failed (${(e as Error).message.split('\n')[0]}); the SVG and PNG are complete`);
    }
  }
  return { files, warnings };
}

/** Removes the figure files in dir that this report did not write (`written`, by name), so none outlives its data; returns them. */
export function removeStaleFigures(dir: string, written: string[]): string[] {
  const out = path.join(dir, FIGURES_DIR);
  if (!fs.existsSync(out)) return [];
  const names = new Set(written.map((f) => path.basename(f)));
  const stale = [...FIGURE_NAMES, GRID_FIGURE].flatMap((n) => FIGURE_EXTENSIONS.map((e) => `${n}${e}`))
    .filter((f) => !names.has(f)).map((f) => path.join(out, f))
    .filter((f) => fs.existsSync(f));
  for (const f of stale) fs.rmSync(f);
  return stale;
}
