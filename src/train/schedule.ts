// Learning-rate schedules: the rate Adam uses at step t (0-based) of a run of `steps` steps.
// `constant` is the paper's reading (it states none); `cosine` (Loshchilov & Hutter, 2017,
// without restarts) anneals from lr towards 0 so a run ends on a flat stretch of its curve.

export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** The learning rate of step t (0-based) out of `steps`. */
export function scheduledLr(schedule: LrSchedule | undefined, lr: number, t: number, steps: number): number {
  if (schedule !== 'cosine') return lr;
  return lr * 0.5 * (1 + Math.cos((Math.PI * t) / steps));
}

/** Adam's rates: one list for every model, or lists by model name with an optional "default" for the others. */
export type LrGrid = number[] | Record<string, number[]>;

/** The rates `model` trains at ([] when the grid names neither it nor a default). */
export function lrsFor(lr: LrGrid, model: string): number[] {
  if (Array.isArray(lr)) return lr;
  return Object.hasOwn(lr, model) ? lr[model] : Object.hasOwn(lr, 'default') ? lr.default : [];
}

/** Every rate of the grid once, in the order first listed: the order of the output tables. */
export function allLrs(lr: LrGrid, models: string[]): number[] {
  const out: number[] = [];
  for (const m of models) for (const v of lrsFor(lr, m)) if (!out.includes(v)) out.push(v);
  return out;
}

/** (model, lr) pairs of the grid: what one correlation and run index trains. */
export function modelLrPairs(lr: LrGrid, models: string[]): number {
  return models.reduce((n, m) => n + lrsFor(lr, m).length, 0);
}
