// Finished runs → the tidy per-run CSVs (runs, curves, gates) and params.csv.
import { SweepConfig } from '../config/defaults';
import { TASKS, studyConstants } from '../data/generator';
import { theoreticalLabelCorrelation } from '../data/correlation';
import { architecture } from '../models/zoo';
import { size } from '../engine/params';
import { RunResult } from '../train/replicas';
import { writeCsv } from '../output/files';
import { GainRow, mtlGains } from '../output/gain';
import { allLrs, pointSeen, runId } from './plan';
import { Point, applyPoint, gridPoints, pointLabel } from '../config/grid';

export interface RunRecord {
  model: string;
  correlation: number;
  lr: number;
  /** Values of the --set axes; absent without any. */
  point?: Point;
  result: RunResult;
}

/** The record's run, identified as plan.ts identifies a planned run (by the point its model sees: a journal written before Architecture.reads holds the whole point). */
export const recordId = (r: RunRecord) => runId({ ...r, point: pointSeen(r.model, r.point), run: r.result.run });

/**
 * Each record under every --set point it stands for: a model trains once per point it sees
 * (plan.ts pointSeen), so its run is listed, with the same numbers, at each grid point that maps
 * there (single-task at every model.experts value), and every point has the rows a filter expects.
 */
export function listedRecords(cfg: SweepConfig, records: RunRecord[]): RunRecord[] {
  if (Object.keys(cfg.sweep.grid ?? {}).length === 0) return records;
  const points = gridPoints(cfg.sweep.grid);
  const place = (model: string, point: Point | undefined) => `${model}|${pointLabel(pointSeen(model, point))}`;
  const listed = new Map<string, Point[]>();
  for (const model of new Set(records.map((r) => r.model))) {
    for (const point of points) listed.set(place(model, point), [...(listed.get(place(model, point)) ?? []), point]);
  }
  return records.flatMap((r) => (listed.get(place(r.model, r.point)) ?? []).map((point) => ({ ...r, point })));
}

/** Config order (models, correlations, lrs as listed; runs ascending): the same files whatever order runs finished in. */
export function sortRecords(cfg: SweepConfig, records: RunRecord[]): RunRecord[] {
  const points = gridPoints(cfg.sweep.grid).map(pointLabel);
  const rank = (r: RunRecord) => [
    points.indexOf(pointLabel(r.point)),
    cfg.sweep.models.indexOf(r.model),
    cfg.sweep.correlations.indexOf(r.correlation),
    allLrs(cfg.train.lr, cfg.sweep.models).indexOf(r.lr),
    r.result.run,
  ];
  return records.slice().sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
}

/** Per model (and per --set combination: sizes may change with it), each component's parameter count, then the total. */
export function paramRows(sweepCfg: SweepConfig): unknown[][] {
  const rows: unknown[][] = [];
  for (const point of gridPoints(sweepCfg.sweep.grid)) {
    const cfg = applyPoint(sweepCfg, point);
    const at = Object.values(point);
    for (const model of cfg.sweep.models) {
      const specs = architecture(model).params({ ...cfg.model, inputDim: cfg.data.dim, tasks: TASKS });
      const by = new Map<string, number>();
      for (const s of specs) by.set(s.component, (by.get(s.component) ?? 0) + size(s.shape));
      for (const [component, n] of by) rows.push([model, component, n, ...at]);
      rows.push([model, 'total', [...by.values()].reduce((a, b) => a + b, 0), ...at]);
    }
  }
  return rows;
}

export function writeRunTables(dir: string, cfg: SweepConfig, records: RunRecord[]): string[] {
  const sorted = sortRecords(cfg, listedRecords(cfg, records));
  const axes = Object.keys(cfg.sweep.grid ?? {});
  // label correlation per --set combination: data axes (noise, sinusoids, …) move it
  const labelCorrelation = new Map<string, number>();
  for (const point of gridPoints(cfg.sweep.grid)) {
    const at = applyPoint(cfg, point);
    const constants = studyConstants(at.data, at.sweep.seed);
    for (const p of at.sweep.correlations) labelCorrelation.set(`${p}|${pointLabel(point)}`, theoreticalLabelCorrelation(at.data, constants, p));
  }
  const runs: unknown[][] = [];
  const curves: unknown[][] = [];
  const gates: unknown[][] = [];
  const gainRows: GainRow[] = [];
  const runAxes: unknown[][] = [];
  for (const { model, correlation: p, lr, point, result: r } of sorted) {
    const correlation = [p, labelCorrelation.get(`${p}|${pointLabel(point)}`)]; // both numbers, side by side
    const at = axes.map((a) => point?.[a]);
    for (let k = 0; k < TASKS; k++) {
      runs.push([model, ...correlation, r.run, r.seed, lr, k + 1, r.trainLoss[k], r.evalLoss[k], r.trainNormalized[k], r.evalNormalized[k], r.steps, r.status, r.seconds]);
      runAxes.push(at);
      gainRows.push({ model, correlation: p, lr, run: r.run, task: k + 1, loss: r.evalNormalized[k], ok: r.status === 'ok' && Number.isFinite(r.evalNormalized[k]), axes: pointLabel(point) });
    }
    for (const c of r.curve) curves.push([model, ...correlation, r.run, lr, c.step, c.task, c.split, c.loss, c.normalized, ...at]);
    if (r.gates) {
      for (let k = 0; k < TASKS; k++) {
        const g = r.gates.length === 1 ? r.gates[0] : r.gates[k]; // omoe: one gate serves both tasks
        g.forEach((w, e) => gates.push([model, ...correlation, r.run, lr, k + 1, e + 1, w, ...at]));
      }
    }
  }
  mtlGains(gainRows).forEach((g, i) => runs[i].push(g ?? '', ...runAxes[i]));
  const files = [writeCsv(dir, 'runs', runs, axes), writeCsv(dir, 'curves', curves, axes)];
  if (cfg.sweep.models.some((m) => m !== 'shared-bottom')) files.push(writeCsv(dir, 'gates', gates, axes));
  files.push(writeCsv(dir, 'params', paramRows(cfg), axes));
  return files;
}
