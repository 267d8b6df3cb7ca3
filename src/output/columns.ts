// Every output file's columns, defined once: writers, readers, README and --help all use this.

export interface Column {
  name: string;
  doc: string;
}

export const col = (name: string, doc: string): Column => ({ name, doc });

export const MODEL = col('model', 'architecture: shared-bottom, omoe or mmoe');
export const CORRELATION = col('correlation', 'cosine p between the two tasks\' weight vectors (paper §3.2)');
const LABEL_CORRELATION = col('label_correlation', 'Pearson correlation of the two labels at this cosine under the generator constants (closed form; paper Figure 2)');
const RUN = col('run', 'run index; the same index sees the same data and seed for every model and lr');
const LR = col('lr', 'Adam learning rate');
const TASK = col('task', 'task 1 or 2');
const MTL_GAIN = col('mtl_gain', 'MTL gain (PLE): (L_single − L) / L_single on eval_loss_normalized, L_single the single-task run with the same run index, task, correlation and --set values at single-task\'s best lr there (lowest mean normalized loss); empty when single-task is not in the sweep or either run diverged');
const METRIC = col('metric', 'raw (MSE) or normalized (MSE / variance of the task\'s held-out labels, i.e. 1 − R²)');

export const OUTPUTS = {
  runs: {
    file: 'runs.csv',
    about: 'one row per run × task: final losses',
    columns: [
      MODEL, CORRELATION, LABEL_CORRELATION, RUN,
      col('seed', 'per-run seed, derived from (base seed, run, correlation); drives data and init'),
      LR, TASK,
      col('train_loss', 'mean training-batch MSE over the last evaluation interval'),
      col('eval_loss', 'MSE on the run\'s held-out set at the last evaluation'),
      col('train_loss_normalized', 'train_loss / variance of the task\'s held-out labels'),
      col('eval_loss_normalized', 'eval_loss / variance of the task\'s held-out labels (1 − R²)'),
      col('steps', 'training steps done when the losses were measured'),
      col('status', 'ok, or diverged when a loss became NaN/infinite (losses are then the last finite ones; empty if there were none)'),
      col('seconds', 'wall time of the run (its replica group\'s time divided by the group\'s size)'),
      MTL_GAIN,
    ],
  },
  curves: {
    file: 'curves.csv',
    about: 'loss every eval interval (paper Figures 3 and 4)',
    columns: [
      MODEL, CORRELATION, LABEL_CORRELATION, RUN, LR,
      col('step', 'training step'),
      TASK,
      col('split', 'train (mean batch loss since the previous point) or eval (held-out set)'),
      col('loss', 'MSE'),
      col('loss_normalized', 'loss / variance of the task\'s held-out labels'),
    ],
  },
  summary: {
    file: 'summary.csv',
    about: 'distribution of final held-out loss over the runs that did not diverge',
    columns: [
      MODEL, CORRELATION, LABEL_CORRELATION, LR, TASK, METRIC,
      col('runs', 'runs summarised (status ok)'),
      col('diverged', 'runs left out because they diverged'),
      col('mean', 'mean over runs'),
      col('std', 'sample standard deviation over runs'),
      col('min', 'smallest'),
      col('q25', '25th percentile (linear interpolation)'),
      col('median', 'median'),
      col('q75', '75th percentile'),
      col('max', 'largest'),
      col('best_lr', 'true on the lr with the lowest mean (both tasks, same metric) for this model and correlation'),
      col('mtl_gain_runs', 'runs with an mtl_gain (ok here and in their single-task partner); empty when single-task is not in the sweep'),
      col('mtl_gain_mean', 'mean of runs.csv mtl_gain over those runs (the same on both metric rows: the gain does not depend on the scale)'),
      col('mtl_gain_ci_low', 'lower end of its 95% confidence interval (Student t; empty below 2 runs)'),
      col('mtl_gain_ci_high', 'upper end of that interval'),
    ],
  },
  histogram: {
    file: 'histogram.csv',
    about: 'final held-out loss histograms (paper Figure 5)',
    columns: [
      MODEL, CORRELATION, LABEL_CORRELATION, LR, TASK, METRIC,
      col('bin_start', 'lower edge (inclusive)'),
      col('bin_end', 'upper edge (exclusive); the last bin is the overflow bin, ending at Infinity'),
      col('count', 'runs in the bin'),
      col('fraction', 'count / runs summarised'),
    ],
  },
  gates: {
    file: 'gates.csv',
    about: 'the gated models (omoe, mmoe, cgc, ple): mean gate weight over the held-out set (paper Figure 6); omoe\'s one gate is listed under both tasks; a cgc or ple task gate lists every expert, with weight 0 on the other task\'s own experts',
    columns: [MODEL, CORRELATION, LABEL_CORRELATION, RUN, LR, TASK, col('expert', 'expert index, from 1'), col('weight', 'mean softmax weight the task\'s gate gives the expert')],
  },
  params: {
    file: 'params.csv',
    about: 'trainable parameters per model and component',
    columns: [MODEL, col('component', 'bottom, experts, gates, towers, or total'), col('parameters', 'count of trainable numbers')],
  },
} as const;

export type OutputName = keyof typeof OUTPUTS;

export function header(name: OutputName): string[] {
  return OUTPUTS[name].columns.map((c) => c.name);
}
