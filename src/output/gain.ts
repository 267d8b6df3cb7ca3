// MTL gain (PLE, Tang et al. 2020 §5): a model's relative improvement over one network per task,
// measured on the same run's rows. Here so the sweep (runs.csv) and the report (summary.csv) share one rule.

export const BASELINE = 'single-task';

/** One runs.csv row (one run × task), as far as the gain needs it. */
export interface GainRow {
  model: string;
  correlation: number;
  lr: number;
  run: number;
  task: number;
  /** Final held-out normalized loss (eval_loss_normalized). */
  loss: number;
  /** status ok and a finite loss. */
  ok: boolean;
  /** Other grid axes of the row's cell (e.g. "model.experts=4"), "" when there are none. */
  axes?: string;
}

/**
 * gain = (L_single − L_model) / L_single per row, or null when the sweep has no single-task, the
 * row or its single-task partner did not finish (diverged, missing), or L_single is 0.
 * The partner: single-task's run with the same index, task, correlation and other axes, at
 * single-task's best lr there (lowest mean loss over both tasks of its ok runs, the report's rule).
 * Normalized and raw loss give the same gain: both models' rows share the run's held-out set.
 */
export function mtlGains(rows: GainRow[]): (number | null)[] {
  const place = (r: GainRow) => `${r.correlation}|${r.axes ?? ''}`;
  const sums = new Map<string, Map<number, { sum: number; n: number }>>();
  for (const r of rows) {
    if (r.model !== BASELINE || !r.ok) continue;
    const byLr = sums.get(place(r)) ?? new Map();
    sums.set(place(r), byLr);
    const e = byLr.get(r.lr) ?? { sum: 0, n: 0 };
    byLr.set(r.lr, e);
    e.sum += r.loss;
    e.n++;
  }
  const bestLr = new Map<string, number>();
  for (const [p, byLr] of sums) bestLr.set(p, [...byLr].sort((a, b) => a[1].sum / a[1].n - b[1].sum / b[1].n || a[0] - b[0])[0][0]);
  const single = new Map<string, number>();
  for (const r of rows) if (r.model === BASELINE && r.ok && bestLr.get(place(r)) === r.lr) single.set(`${place(r)}|${r.run}|${r.task}`, r.loss);
  return rows.map((r) => {
    const s = single.get(`${place(r)}|${r.run}|${r.task}`);
    return r.ok && s !== undefined && s !== 0 ? (s - r.loss) / s : null;
  });
}
