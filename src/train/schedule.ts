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
