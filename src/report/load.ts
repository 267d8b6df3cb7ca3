// What the report reads from a sweep folder, checked before anything is written: each run's
// final held-out loss (the metric chosen, averaged over its two tasks), curves and gates.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse } from 'csv-parse/sync';
import { UsageError, usage } from '../errors';
import { OUTPUTS, header } from '../output/columns';
import { checkReportConfig, readCsv, readManifestJson, Row, runLosses } from './read';
import { METRICS, Metric } from './summary';
import { Grid, gridPoints, Point } from '../config/grid';
import { parseDecimal } from '../config/number';

/** The paper's order: the baseline first, the proposal last. Unknown models follow, by name. */
/** The baseline first, then the paper's three, then the zoo's successors; any other model after them. */
export const MODEL_ORDER = ['single-task', 'shared-bottom', 'omoe', 'mmoe', 'cgc', 'ple', 'cross-stitch', 'l2-constrained'];

/** A model's place in MODEL_ORDER; every model not in it shares the place after the last. */
export const modelRank = (m: string) => (MODEL_ORDER.includes(m) ? MODEL_ORDER.indexOf(m) : MODEL_ORDER.length);

/** Distinct models in MODEL_ORDER, the others after them by name (code points, not the locale's collation). */
export function orderModels(models: Iterable<string>): string[] {
  return [...new Set(models)].sort((a, b) => modelRank(a) - modelRank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

export const cellKey = (model: string, correlation: number) => `${model}|${correlation}`;

export interface Cell {
  model: string;
  correlation: number;
  /** The lr reported: the only one, or the one with the lowest mean (as summary.csv's best_lr). */
  lr: number;
  lrs: number[];
  /** run index → final held-out loss, mean of the run's tasks; runs where a task diverged are left out. */
  runs: Map<number, number>;
  diverged: number;
  /** run index → its seed (runs.csv), for the runs in `runs`: tells whether correlations share seeds (a paired design). */
  seeds: Map<number, number>;
  /** Mean label_correlation of its runs.csv rows (NaN when the column is absent): the Pearson correlation users think in. */
  labelCorrelation: number;
  /** task → run index → that task's final held-out loss, for the runs in `runs`. */
  tasks: Map<number, Map<number, number>>;
  /** task → run index → runs.csv mtl_gain at the chosen lr (runs with an empty gain are absent; empty map without single-task). */
  gains: Map<number, Map<number, number>>;
}

export interface Sweep {
  dir: string;
  metric: Metric;
  manifest: Record<string, any>;
  models: string[];
  /** Ascending. */
  correlations: number[];
  cells: Map<string, Cell>;
  /** curves.csv rows (eval split, the chosen lr only), or null when the file is absent. */
  curves: Row[] | null;
  /** gates.csv rows (the chosen lr only), or null when absent. */
  gates: Row[] | null;
  /** Inputs the report looked for and did not find (e.g. "curves.csv (nor curves.csv.gz)"). */
  missing: string[];
  experts: number;
  /** The combination of the --set axes these runs are of (fixed by --where or a facet); {} without axes. */
  point: Point;
  histogramBins: number;
  histogramMax: number;
}

export function parseMetric(text: string): Metric {
  if (!(text in METRICS)) throw usage('--metric', text, Object.keys(METRICS).join(', '));
  return text as Metric;
}

/** A sweep folder as read once: its manifest and rows, before any combination is chosen. */
export interface Folder {
  dir: string;
  manifest: Record<string, any>;
  rows: Row[];
  /** curves.csv rows of the eval split, or null when the file is absent. */
  curves: Row[] | null;
  gates: Row[] | null;
  missing: string[];
  /** The --set axes (manifest config.sweep.grid): key → values; {} without axes. */
  grid: Grid;
}

/** Reads and checks a sweep folder, every file once; a UsageError (exit 2) for anything that is not one. */
export function readFolder(dir: string): Folder {
  const { manifest, rows } = openSweepFolder(dir);
  const missing: string[] = [];
  const optional = (name: 'curves' | 'gates') => {
    const found = readOptional(dir, name);
    if (found === null) missing.push(`${OUTPUTS[name].file} (nor ${OUTPUTS[name].file}.gz)`);
    return found;
  };
  const curves = optional('curves')?.filter((r) => r.split === 'eval') ?? null;
  const gates = optional('gates');
  return { dir, manifest, rows, curves, gates, missing, grid: manifest.config?.sweep?.grid ?? {} };
}

/** Reads and checks a sweep folder for a one-combination report; a UsageError (exit 2) for anything that is not one. */
export function loadSweep(dir: string, metric: Metric, where: string[] = []): Sweep {
  const folder = readFolder(dir);
  const { fixed, open } = pointFilter(folder, where);
  if (Object.keys(open).length) throw usage(`${displayDir(dir)} has --set axes ${Object.keys(folder.grid).join(', ')}; --where`, where.join(' ') || '(none)', `one value of each, the claims are judged per combination: ${combos(folder.grid)}`);
  return sweepAt(folder, metric, fixed);
}

/** The combinations a report covers: --where fixes some axes (or all), the others are facets. */
export interface Facets {
  folder: Folder;
  /** The axes --where fixed, with their values. */
  fixed: Point;
  /** The axes left open (the facets), each with its values ascending; {} for a one-combination report. */
  open: Grid;
  /** One per combination of the open axes that has rows in runs.csv, ascending by the open axes' values (the first varying slowest). */
  sweeps: Sweep[];
  /** Combinations of the open axes without a single row in runs.csv (an interrupted sweep), as "KEY=V, …". */
  empty: string[];
}

/** Reads a sweep folder once and splits it by combination of the --set axes --where leaves open. */
export function loadFacets(dir: string, metric: Metric, where: string[] = []): Facets {
  const folder = readFolder(dir);
  const { fixed, open } = pointFilter(folder, where);
  const sweeps: Sweep[] = [];
  const empty: string[] = [];
  for (const p of gridPoints(open)) {
    const sweep = sweepAt(folder, metric, { ...fixed, ...p });
    if (sweep.cells.size) sweeps.push(sweep);
    else empty.push(pointText(p));
  }
  return { folder, fixed, open, sweeps, empty };
}

/** "model.experts=4, data.noiseStd=0.1": a combination as report.md, the verdict lines and JUnit name it. */
export const pointText = (p: Point, keys: string[] = Object.keys(p)): string => keys.map((k) => `${k}=${p[k]}`).join(', ');

/** The runs of one combination of the --set axes ({} without axes); nothing of another combination enters. */
export function sweepAt(folder: Folder, metric: Metric, point: Point): Sweep {
  const { dir, manifest } = folder;
  const inPoint = (r: Row) => Object.entries(point).every(([a, v]) => Number(r[a]) === v);
  const rows = folder.rows.filter(inPoint);
  const column = METRICS[metric];
  const labels = new Map<string, number[]>(); // cell → label_correlation values
  const seedOf = new Map<string, number>(); // cell|lr|run → seed
  for (const r of rows) {
    seedOf.set(`${cellKey(r.model, Number(r.correlation))}|${Number(r.lr)}|${Number(r.run)}`, Number(r.seed));
    const value = Number(r[column]);
    if (!Number.isFinite(Number(r.correlation)) || !Number.isInteger(Number(r.run)) || Number.isNaN(value)) {
      throw new UsageError(`${path.join(dir, 'runs.csv')} has a malformed row (${Object.values(r).join(',')}); allowed: a file written by mmoe-sweep`, r);
    }
    const label = r.label_correlation === undefined || r.label_correlation === '' ? NaN : Number(r.label_correlation);
    if (Number.isFinite(label)) labels.set(cellKey(r.model, Number(r.correlation)), [...(labels.get(cellKey(r.model, Number(r.correlation))) ?? []), label]);
  }

  // per (model, correlation, lr): the runs; then the lr with the lowest mean
  const perRun = runLosses(rows, column);
  const byLr = new Map<string, { runs: Map<number, number>; diverged: number }>();
  for (const e of perRun) {
    const key = `${cellKey(e.model, e.correlation)}|${e.lr}`;
    if (!byLr.has(key)) byLr.set(key, { runs: new Map(), diverged: 0 });
    const c = byLr.get(key)!;
    if (e.ok) c.runs.set(e.run, e.loss);
    else c.diverged++;
  }
  const lrsOf = new Map<string, { model: string; correlation: number; lrs: number[] }>();
  for (const e of perRun) {
    const key = cellKey(e.model, e.correlation);
    if (!lrsOf.has(key)) lrsOf.set(key, { model: e.model, correlation: e.correlation, lrs: [] });
    if (!lrsOf.get(key)!.lrs.includes(e.lr)) lrsOf.get(key)!.lrs.push(e.lr);
  }
  const cells = new Map<string, Cell>();
  for (const [key, { model, correlation, lrs }] of lrsOf) {
    const meanOf = (lr: number) => {
      const v = [...byLr.get(`${key}|${lr}`)!.runs.values()];
      return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Infinity;
    };
    lrs.sort((a, b) => a - b);
    const lr = lrs.slice().sort((a, b) => meanOf(a) - meanOf(b))[0];
    const chosen = byLr.get(`${key}|${lr}`)!;
    const label = labels.get(key) ?? [];
    const seeds = new Map([...chosen.runs.keys()].map((run) => [run, seedOf.get(`${key}|${lr}|${run}`)!]));
    cells.set(key, { model, correlation, lr, lrs, runs: chosen.runs, diverged: chosen.diverged, seeds, labelCorrelation: label.length ? label.reduce((a, b) => a + b, 0) / label.length : NaN, tasks: new Map(), gains: new Map() });
  }
  const chosenLr = (r: Row) => cells.get(cellKey(r.model, Number(r.correlation)))?.lr === Number(r.lr);
  for (const r of rows) {
    const c = cells.get(cellKey(r.model, Number(r.correlation)));
    if (!c || !chosenLr(r) || !c.runs.has(Number(r.run))) continue;
    const task = Number(r.task);
    if (!c.tasks.has(task)) c.tasks.set(task, new Map());
    c.tasks.get(task)!.set(Number(r.run), Number(r[column]));
    if ((r.mtl_gain ?? '') === '') continue;
    if (!c.gains.has(task)) c.gains.set(task, new Map());
    c.gains.get(task)!.set(Number(r.run), Number(r.mtl_gain));
  }
  const curves = folder.curves?.filter((r) => inPoint(r) && chosenLr(r)) ?? null;
  const gates = folder.gates?.filter((r) => inPoint(r) && chosenLr(r)) ?? null;
  const cfg = manifest.config ?? {};
  return {
    dir,
    metric,
    manifest,
    models: orderModels([...cells.values()].map((c) => c.model)),
    correlations: [...new Set([...cells.values()].map((c) => c.correlation))].sort((a, b) => a - b),
    cells,
    curves,
    gates,
    missing: folder.missing,
    point,
    experts: point['model.experts'] || Number(cfg.model?.experts) || (gates ? Math.max(0, ...gates.map((g) => Number(g.expert))) : 0),
    histogramBins: Number(cfg.report?.histogramBins) || 21,
    histogramMax: Number(cfg.report?.histogramMax) || 0.7,
  };
}

/**
 * A sweep with --set axes is reported per combination: `where` ("KEY=V" each) fixes an axis
 * at one of its values; the axes it leaves open are the report's facets.
 */
function pointFilter(folder: Folder, where: string[]): { fixed: Point; open: Grid } {
  const grid = folder.grid;
  const axes = Object.keys(grid);
  const fixed: Point = {};
  for (const w of where) {
    const eq = w.indexOf('=');
    const key = w.slice(0, eq).trim();
    if (eq <= 0 || !axes.includes(key)) throw usage('--where', w, axes.length ? `KEY=V with KEY one of the sweep's --set axes (${axes.join(', ')})` : 'nothing: this sweep has no --set axes');
    const v = parseDecimal(w.slice(eq + 1)); // plain decimal, as every other number typed on the command line: 0x4 is not 4
    if (v === undefined || !grid[key].includes(v)) throw usage('--where', w, `${key}= one of ${grid[key].join(', ')}`);
    fixed[key] = v;
  }
  const open: Grid = {};
  for (const a of axes) if (!(a in fixed)) open[a] = grid[a].slice().sort((x, y) => x - y);
  return { fixed, open };
}

const combos = (grid: Grid) => gridPoints(grid).map((p) => Object.entries(p).map(([k, v]) => `--where ${k}=${v}`).join(' ')).slice(0, 4).join(' | ');

const displayDir = (dir: string) => JSON.stringify(dir);

/**
 * An optional input: NAME.csv, else NAME.csv.gz (how a committed study keeps its large files,
 * results/README.md), else null. The same column check as readCsv.
 */
function readOptional(dir: string, name: 'curves' | 'gates'): Row[] | null {
  const file = path.join(dir, OUTPUTS[name].file);
  if (fs.existsSync(file)) return readCsv(dir, name);
  if (!fs.existsSync(`${file}.gz`)) return null;
  let text: string;
  try {
    text = zlib.gunzipSync(fs.readFileSync(`${file}.gz`)).toString('utf8');
  } catch {
    throw new UsageError(`${file}.gz is not a readable gzip file; allowed: ${OUTPUTS[name].file} compressed with gzip`, `${file}.gz`);
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Row[];
  const lacking = rows.length ? header(name).filter((c) => !(c in rows[0])) : [];
  if (lacking.length) throw new UsageError(`${file}.gz lacks columns ${lacking.join(', ')}; allowed: a file written by this version of mmoe-sweep`, `${file}.gz`);
  return rows;
}

/** The runs of one model at one correlation (an empty map when the sweep has none). */
export function runsOf(s: Sweep, model: string, correlation: number): Map<number, number> {
  return s.cells.get(cellKey(model, correlation))?.runs ?? new Map();
}

/** A sweep folder's manifest.json and runs.csv rows, checked; a UsageError (exit 2) for anything that is not one. */
export function openSweepFolder(dir: string): { manifest: Record<string, any>; rows: Row[] } {
  if (!fs.existsSync(dir)) throw usage('sweep folder', dir, 'an existing folder written by mmoe-sweep (or merged from its shards)');
  if (!fs.statSync(dir).isDirectory()) throw usage('sweep folder', dir, 'a folder, not a file');
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = readManifestJson(dir) as Record<string, any>;
  if (!manifest || typeof manifest !== 'object' || manifest.tool !== 'mmoe-sweep') {
    throw new UsageError(`${manifestFile} was not written by mmoe-sweep; allowed: a folder written by mmoe-sweep`, manifestFile);
  }
  checkReportConfig(manifestFile, manifest.config?.report);
  const rows = readCsv(dir, 'runs');
  if (rows.length === 0) throw new UsageError(`${path.join(dir, 'runs.csv')} holds no runs; allowed: a sweep with at least one finished run`, dir);
  return { manifest, rows };
}
