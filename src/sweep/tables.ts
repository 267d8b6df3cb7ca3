// Finished runs → the tidy per-run CSVs (runs, curves, gates) and params.csv.
import { SweepConfig } from '../config/defaults';
import { TASKS, studyConstants } from '../data/generator';
import { theoreticalLabelCorrelation } from '../data/correlation';
import { architecture } from '../models/zoo';
import { size } from '../engine/params';
import { RunResult } from '../train/replicas';
import { writeCsv } from '../output/files';
import { GainRow, mtlGains } from '../output/gain';
import { runId } from './plan';

export interface RunRecord {
  model: string;
  correlation: number;
  lr: number;
  result: RunResult;
}

/** The record's run, identified as plan.ts identifies a planned run. */
export const recordId = (r: RunRecord) => runId({ ...r, run: r.result.run });

/** Config order (models, correlations, lrs as listed; runs ascending): the same files whatever order runs finished in. */
export function sortRecords(cfg: SweepConfig, records: RunRecord[]): RunRecord[] {
  const rank = (r: RunRecord) => [
    cfg.sweep.models.indexOf(r.model),
    cfg.sweep.correlations.indexOf(r.correlation),
    cfg.train.lr.indexOf(r.lr),
    r.result.run,
  ];
  return records.slice().sort((a, b) => {
    const ra = rank(a), rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
}

export function paramRows(cfg: SweepConfig): unknown[][] {
  const rows: unknown[][] = [];
  for (const model of cfg.sweep.models) {
    const specs = architecture(model).params({ ...cfg.model, inputDim: cfg.data.dim, tasks: TASKS });
    const by = new Map<string, number>();
    for (const s of specs) by.set(s.component, (by.get(s.component) ?? 0) + size(s.shape));
    for (const [component, n] of by) rows.push([model, component, n]);
    rows.push([model, 'total', [...by.values()].reduce((a, b) => a + b, 0)]);
  }
  return rows;
}

export function writeRunTables(dir: string, cfg: SweepConfig, records: RunRecord[]): string[] {
  const sorted = sortRecords(cfg, records);
  const constants = studyConstants(cfg.data, cfg.sweep.seed);
  const labelCorrelation = new Map(cfg.sweep.correlations.map((p) => [p, theoreticalLabelCorrelation(cfg.data, constants, p)]));
  const runs: unknown[][] = [];
  const curves: unknown[][] = [];
  const gates: unknown[][] = [];
  const gainRows: GainRow[] = [];
  for (const { model, correlation: p, lr, result: r } of sorted) {
    const correlation = [p, labelCorrelation.get(p)]; // both numbers, side by side
    for (let k = 0; k < TASKS; k++) {
      runs.push([model, ...correlation, r.run, r.seed, lr, k + 1, r.trainLoss[k], r.evalLoss[k], r.trainNormalized[k], r.evalNormalized[k], r.steps, r.status, r.seconds]);
      gainRows.push({ model, correlation: p, lr, run: r.run, task: k + 1, loss: r.evalNormalized[k], ok: r.status === 'ok' && Number.isFinite(r.evalNormalized[k]) });
    }
    for (const c of r.curve) curves.push([model, ...correlation, r.run, lr, c.step, c.task, c.split, c.loss, c.normalized]);
    if (r.gates) {
      for (let k = 0; k < TASKS; k++) {
        const g = r.gates.length === 1 ? r.gates[0] : r.gates[k]; // omoe: one gate serves both tasks
        g.forEach((w, e) => gates.push([model, ...correlation, r.run, lr, k + 1, e + 1, w]));
      }
    }
  }
  mtlGains(gainRows).forEach((g, i) => runs[i].push(g ?? ''));
  const files = [writeCsv(dir, 'runs', runs), writeCsv(dir, 'curves', curves)];
  if (cfg.sweep.models.some((m) => m !== 'shared-bottom')) files.push(writeCsv(dir, 'gates', gates));
  files.push(writeCsv(dir, 'params', paramRows(cfg)));
  return files;
}
