// `mmoe-sweep compare BASE NEW`: did the results move? For every cell (model, correlation,
// lr and any other grid axis in runs.csv) present in both sweeps, a one-sided rank test of
// "NEW's final loss is above (1 + tolerance) × BASE's", and the shift with its 95% interval.
//
// Paired by run index (Wilcoxon signed-rank) when the cell's runs share seeds in both sweeps
// (the same data and initial weights, so only the code differs); Mann–Whitney U otherwise.
// A diverged run (status not ok) counts as an infinitely large loss: diverging is the worst
// regression, and ranks need no finite value. Reads output files only.
import { Column, col, CORRELATION, MODEL } from '../output/columns';
import { UsageError } from '../errors';
import { openSweepFolder, orderModels } from './load';
import { Row } from './read';
import { hodgesLehmannPaired, hodgesLehmannTwo, mannWhitneyU, wilcoxonSignedRank } from './stats';
import { METRICS, Metric, quantile } from './summary';

export interface CompareOptions {
  metric: Metric;
  /** Each cell's one-sided level. */
  alpha: number;
  /** A cell is worse when NEW's loss is significantly above (1 + tolerance) × BASE's. */
  tolerance: number;
}

// tolerance 0.05: a 5% rise in a cell's loss is a result worth a look, and 50× the 1e-3 relative
// agreement asked of a second training engine, so numerics alone never trip it; noise is the
// test's business (alpha), not the tolerance's (docs/CI.md has the measured controls).
export const COMPARE_DEFAULTS = { alpha: 0.05, tolerance: 0.05 };

/** runs.csv columns that describe a run or measure it; every other column is a grid axis of the cell. */
const NOT_AXES = new Set(['label_correlation', 'run', 'seed', 'task', 'train_loss', 'eval_loss', 'train_loss_normalized', 'eval_loss_normalized', 'steps', 'status', 'seconds', 'mtl_gain']);
/** Fixed axes, in the order printed; others follow by name. */
const MAIN_AXES = ['model', 'correlation', 'lr'];
/** manifest.json config.data keys that define the task (what the loss is measured on), not how training reads it. */
const TRAINING_DATA_KEYS = new Set(['trainSize']);

export type CellVerdict = 'worse' | 'better' | 'same';

export interface CellComparison {
  /** Axis name → value as in runs.csv (numbers normalised). */
  axes: Record<string, string>;
  test: 'wilcoxon' | 'mann-whitney';
  nBase: number;
  nNew: number;
  /** Runs paired by index (NaN when unpaired). */
  nPairs: number;
  divergedBase: number;
  divergedNew: number;
  baseMedian: number;
  newMedian: number;
  /** Hodges–Lehmann shift NEW − BASE (paired: pseudo-median of the per-run differences). */
  shift: number;
  shiftLow: number;
  shiftHigh: number;
  /** shift / BASE's median. */
  relative: number;
  /** One-sided p of "NEW > (1 + tolerance) × BASE". */
  pWorse: number;
  /** One-sided p of "NEW < (1 − tolerance) × BASE". */
  pBetter: number;
  verdict: CellVerdict;
}

export interface Comparison {
  base: string;
  new: string;
  metric: Metric;
  alpha: number;
  tolerance: number;
  axes: string[];
  cells: CellComparison[];
  /** Differences that do not prevent comparing (other config values, cells in one sweep only). */
  notes: string[];
}

export const COMPARE_COLUMNS: Column[] = [
  MODEL,
  CORRELATION,
  col('lr', 'Adam learning rate'),
  col('axes', 'other grid axes of the cell as name=value, joined by ";" (empty when runs.csv has none)'),
  col('metric', 'raw or normalized: the runs.csv loss compared (each run\'s final held-out loss, mean of its two tasks)'),
  col('test', 'wilcoxon (signed-rank, runs paired by index: both sweeps gave them the same seed) or mann-whitney (rank-sum, independent samples)'),
  col('n_base', 'runs of the cell in BASE (diverged ones included, as infinitely bad)'),
  col('n_new', 'runs of the cell in NEW'),
  col('n_pairs', 'runs paired by index (wilcoxon only; empty for mann-whitney)'),
  col('diverged_base', 'runs of the cell that diverged in BASE'),
  col('diverged_new', 'runs of the cell that diverged in NEW'),
  col('base_median', 'median loss in BASE'),
  col('new_median', 'median loss in NEW'),
  col('shift', 'Hodges–Lehmann shift NEW − BASE in loss units (> 0: NEW is worse)'),
  col('shift_ci_low', 'lower end of its 95% distribution-free interval (the rank test inverted)'),
  col('shift_ci_high', 'upper end of that interval'),
  col('relative_shift', 'shift / base_median'),
  col('tolerance', 'the relative worsening allowed (--tolerance)'),
  col('p_worse', 'one-sided p-value of "NEW > (1 + tolerance) × BASE"'),
  col('p_better', 'one-sided p-value of "NEW < (1 − tolerance) × BASE"'),
  col('verdict', 'worse (p_worse < alpha: exit 3), better (p_better < alpha) or same'),
];

interface Folder {
  dir: string;
  manifest: Record<string, any>;
  axes: string[];
  /** cell key → run index → { loss (Infinity when diverged), seed } */
  cells: Map<string, { axes: Record<string, string>; runs: Map<number, { loss: number; seed: number }> }>;
}

const normal = (v: string) => (v.trim() !== '' && Number.isFinite(Number(v)) ? String(Number(v)) : v);
const show = (v: unknown) => (v === undefined ? '(absent)' : JSON.stringify(v));
export const cellName = (axes: Record<string, string>) => Object.entries(axes).map(([k, v]) => `${k}=${v}`).join(' ');

function readFolder(dir: string, metric: Metric): Folder {
  const { manifest, rows } = openSweepFolder(dir);
  const present = Object.keys(rows[0]);
  const axes = [...MAIN_AXES.filter((a) => present.includes(a)), ...present.filter((c) => !NOT_AXES.has(c) && !MAIN_AXES.includes(c)).sort()];
  const column = METRICS[metric];
  const perRun = new Map<string, { axes: Record<string, string>; run: number; seed: number; values: number[]; ok: boolean }>();
  for (const r of rows as Row[]) {
    const a = Object.fromEntries(axes.map((x) => [x, normal(r[x])]));
    const run = Number(r.run);
    if (!Number.isInteger(run)) throw new UsageError(`${dir}/runs.csv has a row with run ${show(r.run)}; allowed: a file written by mmoe-sweep`, r.run);
    const key = `${cellName(a)}|${run}`;
    let e = perRun.get(key);
    if (!e) perRun.set(key, (e = { axes: a, run, seed: Number(r.seed), values: [], ok: true }));
    const value = Number(r[column]);
    e.values.push(value);
    e.ok &&= r.status === 'ok' && r[column] !== '' && Number.isFinite(value);
  }
  const cells: Folder['cells'] = new Map();
  for (const e of perRun.values()) {
    const key = cellName(e.axes);
    if (!cells.has(key)) cells.set(key, { axes: e.axes, runs: new Map() });
    cells.get(key)!.runs.set(e.run, { loss: e.ok ? e.values.reduce((a, b) => a + b, 0) / e.values.length : Infinity, seed: e.seed });
  }
  return { dir, manifest, axes, cells };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every key path where two JSON values differ, e.g. "train.steps: 1500 vs 3000". */
function differences(a: any, b: any, prefix: string): string[] {
  if (same(a, b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().flatMap((k) => differences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return [`${prefix}: ${show(a)} vs ${show(b)}`];
}

/** "model shared-bottom, mmoe × correlation 0.5": each axis's values, short enough for one line however many cells. */
function axisValues(f: Folder): string {
  const cells = [...f.cells.values()];
  const values = (a: string) => [...new Set(cells.map((c) => String(c.axes[a])))];
  return f.axes.map((a) => `${a} ${(a === 'model' ? orderModels(values(a)) : values(a)).join(', ')}`).join(' × ');
}

/** Throws a UsageError naming what makes the two sweeps incomparable; returns the differences that do not. */
function checkComparable(base: Folder, next: Folder): string[] {
  const notComparable = (what: string) => new UsageError(`BASE and NEW are not comparable: ${what}; allowed: two sweeps of the same generator, metric and grid axes`, what);
  const bd = base.manifest.config?.data ?? {};
  const nd = next.manifest.config?.data ?? {};
  const strip = (d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([k]) => !TRAINING_DATA_KEYS.has(k)));
  // data.* defines the task and its held-out set (evalSize: what the metric is measured on)
  const generator = differences(strip(bd), strip(nd), 'data');
  if (generator.length) throw notComparable(`generator constants differ (BASE vs NEW): ${generator.join('; ')}`);
  // a data-stream version, when the manifests record one: another stream is another task sample
  const versions = differences(
    Object.fromEntries(Object.entries(base.manifest).filter(([k]) => /stream|dataVersion/i.test(k))),
    Object.fromEntries(Object.entries(next.manifest).filter(([k]) => /stream|dataVersion/i.test(k))),
    '',
  );
  if (versions.length) throw notComparable(`data streams differ (BASE vs NEW): ${versions.join('; ')}`);
  if (!same(base.axes, next.axes)) throw notComparable(`runs.csv grid axes differ: BASE has ${base.axes.join(', ')}; NEW has ${next.axes.join(', ')}`);
  const common = [...base.cells.keys()].filter((k) => next.cells.has(k));
  if (common.length === 0) {
    throw notComparable(`no cell in common: BASE has ${axisValues(base)}; NEW has ${axisValues(next)}`);
  }
  const notes: string[] = [];
  const other = differences({ ...base.manifest.config, data: { trainSize: bd.trainSize } }, { ...next.manifest.config, data: { trainSize: nd.trainSize } }, '');
  if (other.length) notes.push(`configs differ (BASE vs NEW), compared anyway: ${other.join('; ')}`);
  const only = (a: Folder, b: Folder) => [...a.cells.keys()].filter((k) => !b.cells.has(k));
  if (only(base, next).length) notes.push(`only in BASE, not compared: ${only(base, next).join(', ')}`);
  if (only(next, base).length) notes.push(`only in NEW, not compared: ${only(next, base).join(', ')}`);
  return notes;
}

const median = (xs: number[]) => quantile(xs.slice().sort((a, b) => a - b), 0.5);

/** a − b where equal values (two diverged runs included) differ by 0. */
const minus = (a: number, b: number) => (a === b ? 0 : a - b);

function compareCell(
  axes: Record<string, string>,
  base: Map<number, { loss: number; seed: number }>,
  next: Map<number, { loss: number; seed: number }>,
  o: CompareOptions,
): CellComparison {
  const b = [...base.values()].map((r) => r.loss);
  const n = [...next.values()].map((r) => r.loss);
  const common = [...base.keys()].filter((r) => next.has(r)).sort((x, y) => x - y);
  const paired = common.length > 0 && common.every((r) => base.get(r)!.seed === next.get(r)!.seed);
  let pWorse: number;
  let pBetter: number;
  let shift;
  if (paired) {
    const bp = common.map((r) => base.get(r)!.loss);
    const np = common.map((r) => next.get(r)!.loss);
    pWorse = wilcoxonSignedRank(np.map((v, i) => minus(v, (1 + o.tolerance) * bp[i]))).pGreater;
    pBetter = wilcoxonSignedRank(np.map((v, i) => minus((1 - o.tolerance) * bp[i], v))).pGreater;
    shift = hodgesLehmannPaired(np.map((v, i) => minus(v, bp[i])));
  } else {
    pWorse = mannWhitneyU(n, b.map((v) => (1 + o.tolerance) * v)).pGreater;
    pBetter = mannWhitneyU(b.map((v) => (1 - o.tolerance) * v), n).pGreater;
    shift = hodgesLehmannTwo(b, n);
  }
  const baseMedian = median(b);
  const verdict: CellVerdict = pWorse < o.alpha ? 'worse' : pBetter < o.alpha ? 'better' : 'same';
  return {
    axes,
    test: paired ? 'wilcoxon' : 'mann-whitney',
    nBase: b.length,
    nNew: n.length,
    nPairs: paired ? common.length : NaN,
    divergedBase: b.filter((v) => v === Infinity).length,
    divergedNew: n.filter((v) => v === Infinity).length,
    baseMedian,
    newMedian: median(n),
    shift: shift.estimate,
    shiftLow: shift.low,
    shiftHigh: shift.high,
    relative: shift.estimate / baseMedian,
    pWorse,
    pBetter,
    verdict,
  };
}

/** Compares NEW against BASE cell by cell; a UsageError (exit 2) when they are not comparable. */
export function compareSweeps(baseDir: string, newDir: string, o: CompareOptions): Comparison {
  const base = readFolder(baseDir, o.metric);
  const next = readFolder(newDir, o.metric);
  const notes = checkComparable(base, next);
  const cells = [...base.cells.entries()].filter(([k]) => next.cells.has(k)).map(([k, c]) => compareCell(c.axes, c.runs, next.cells.get(k)!.runs, o));
  // models in the report's order (a model of one's own after the zoo's, by name), then correlation, lr, other axes
  const models = orderModels(cells.map((c) => c.axes.model));
  cells.sort((x, y) => models.indexOf(x.axes.model) - models.indexOf(y.axes.model) || Number(x.axes.correlation) - Number(y.axes.correlation) || Number(x.axes.lr) - Number(y.axes.lr) || cellName(x.axes).localeCompare(cellName(y.axes)));
  return { base: baseDir, new: newDir, metric: o.metric, alpha: o.alpha, tolerance: o.tolerance, axes: base.axes, cells, notes };
}

const blank = (x: number) => (Number.isNaN(x) ? '' : x);

/** compare.csv rows, in COMPARE_COLUMNS order. */
export function compareRows(c: Comparison): unknown[][] {
  return c.cells.map((x) => [
    x.axes.model ?? '',
    x.axes.correlation ?? '',
    x.axes.lr ?? '',
    Object.entries(x.axes).filter(([k]) => !MAIN_AXES.includes(k)).map(([k, v]) => `${k}=${v}`).join(';'),
    c.metric,
    x.test,
    x.nBase,
    x.nNew,
    blank(x.nPairs),
    x.divergedBase,
    x.divergedNew,
    blank(x.baseMedian),
    blank(x.newMedian),
    blank(x.shift),
    blank(x.shiftLow),
    blank(x.shiftHigh),
    blank(x.relative),
    c.tolerance,
    x.pWorse,
    x.pBetter,
    x.verdict,
  ]);
}

export const compareHeader = () => COMPARE_COLUMNS.map((c) => c.name);

