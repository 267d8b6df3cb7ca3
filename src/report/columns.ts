// The columns of every file `mmoe-sweep report` writes, defined once (docs/REFERENCE.md "Output" documents
// them; test/report/docs.test.ts checks that). They live here rather than in OUTPUTS because
// OUTPUTS lists the files a sweep writes, and a sweep does not write these.
import { CORRELATION, MODEL, col } from '../output/columns';

const STEP = col('step', 'training step');
const RUNS = col('runs', 'runs averaged (status ok, at the lr reported)');
const MEAN = col('mean', 'mean over runs of each run\'s held-out loss (the chosen --metric), averaged over its two tasks');
const CI_LOW = col('ci_low', 'lower end of the 95% confidence interval of the mean (Student t; equal to mean for one run)');
const CI_HIGH = col('ci_high', 'upper end of that interval');

export const REPORT_OUTPUTS = {
  claims: {
    file: 'claims.csv',
    about: 'one row per comparison behind each of the paper\'s claims (one row with the verdict alone when the claim is not applicable); missing values are empty; a sweep with --set axes adds one column per axis, named by its dotted key, after these: the combination the claim was judged on',
    columns: [
      col('claim', 'C1 … C5 (README "report")'),
      col('claim_verdict', 'pass, fail, unresolved or not applicable, for the whole claim'),
      col('quantity', 'what is compared: final loss, omoe − mmoe gap (C2), spread (C4: mean |loss − median|) or M × final loss (C5, first side, M = 1 + margin)'),
      col('models', 'the models of the two sides, ";"-separated, the one the claim puts above first (one name when both sides are the same model)'),
      col('correlations', 'the correlations of the two sides in the same order (one value when both sides are at the same correlation)'),
      col('metric', 'raw or normalized (--metric)'),
      col('test', 'wilcoxon (signed-rank, runs paired by index), mann-whitney (rank-sum, independent samples) or brown-forsythe (C4: equal spread)'),
      col('n_a', 'runs on the first side'),
      col('n_b', 'runs on the second side'),
      col('n_pairs', 'runs paired by index (wilcoxon only)'),
      col('statistic', 'W+ (wilcoxon), U of the first side (mann-whitney) or F (brown-forsythe)'),
      col('effect', 'difference of the quantity\'s means in loss units (C4: of the mean absolute deviations), signed so that > 0 supports the claim'),
      col('effect_ci_low', 'lower end of its 95% bootstrap interval'),
      col('effect_ci_high', 'upper end of that interval'),
      col('relative', 'effect / the mean (C4: the mean absolute deviation) of the side compared against'),
      col('rank_biserial', 'rank-biserial correlation in [−1, 1], > 0 supports the claim (wilcoxon and mann-whitney)'),
      col('p', 'two-sided p-value'),
      col('runs_needed', 'runs (per side for unpaired comparisons) for this effect to reach p < alpha with 80% power (empty below 5 runs)'),
      col('verdict', 'pass, fail or unresolved for this comparison'),
    ],
  },
  finalLoss: {
    file: 'figures/fig4-final-loss.csv',
    about: 'the headline: final held-out loss per model and correlation with its 95% interval, beside the paper\'s Figure 4 values, read by fig4-final-loss.vl.json',
    columns: [
      MODEL, CORRELATION, RUNS,
      col('mean', 'mean over runs of each run\'s final held-out loss (the chosen --metric), averaged over its two tasks'),
      CI_LOW, CI_HIGH,
      col('paper', 'the paper\'s Figure 4 final loss for this model and correlation (read off the figure, one task); empty where the paper has none'),
    ],
  },
  finalLossByTask: {
    file: 'figures/final-loss-by-task.csv',
    about: 'final held-out loss per model, correlation and task (each task on its own), read by final-loss-by-task.vl.json',
    columns: [MODEL, CORRELATION, col('task', 'task 1 or 2'), RUNS, col('mean', 'mean over runs of the task\'s final held-out loss (the chosen --metric)'), CI_LOW, CI_HIGH],
  },
  mtlGain: {
    file: 'figures/mtl-gain.csv',
    about: 'MTL gain over single-task per model, correlation and task (PLE\'s view), read by mtl-gain.vl.json; only when single-task is in the sweep, single-task itself left out',
    columns: [
      MODEL, CORRELATION,
      col('task', '"both" (each run\'s gain averaged over its two tasks, runs with both) or 1 or 2'),
      col('runs', 'runs with an mtl_gain (at the lr reported for the model)'),
      col('mean', 'mean over runs of runs.csv mtl_gain: (L_single − L) / L_single, > 0 = better than one network per task'),
      CI_LOW, CI_HIGH,
      col('seesaw', 'true on every row of a model and correlation where one task\'s 95% interval lies above 0 and the other\'s below 0'),
    ],
  },
  gridFinalLoss: {
    file: 'figures/grid-final-loss.csv',
    about: 'final held-out loss per model, correlation, task and combination of the --set axes the report leaves open (only when it covers several combinations), read by grid-final-loss.vl.json; one column per open axis, named by its dotted key, after these',
    columns: [
      MODEL, CORRELATION,
      col('task', '"both" (each run\'s loss averaged over its two tasks, what the figure draws) or 1 or 2'),
      col('panel', 'the open axes other than the first (the one on the figure\'s x axis) as KEY=V, …: one row of panels each; empty with one open axis'),
      col('lr', 'the lr reported for this model and correlation in this combination (the lowest mean there)'),
      RUNS,
      col('diverged', 'runs at that lr where a task diverged (left out)'),
      col('mean', 'mean over the runs of this combination only of the final held-out loss (the chosen --metric)'),
      CI_LOW, CI_HIGH,
    ],
  },
  labelCorrelation: {
    file: 'figures/fig2-label-correlation.csv',
    about: 'label Pearson correlation vs cosine (paper Figure 2): this sweep\'s closed-form values from runs.csv, a correlation.csv placed in the folder if any, and the paper\'s, read by fig2-label-correlation.vl.json',
    columns: [
      col('cosine', 'cosine p between the two tasks\' weight vectors (the sweep\'s correlation)'),
      col('source', '"this sweep (runs.csv: closed form)", "simulated (correlation.csv: ± 2 std)" (from `mmoe-sweep correlation --out DIR/correlation.csv`) or "paper (Figure 2)"'),
      col('label_correlation', 'Pearson correlation of the two labels'),
      col('two_std', 'two standard deviations over trials (simulated rows only; empty otherwise)'),
    ],
  },
  curves: {
    file: 'figures/fig4-loss-curves.csv',
    about: 'held-out loss vs step per model and correlation (paper Figure 4), read by fig4-loss-curves.vl.json',
    columns: [MODEL, CORRELATION, STEP, RUNS, MEAN, CI_LOW, CI_HIGH],
  },
  sharedBottom: {
    file: 'figures/fig3-shared-bottom-curves.csv',
    about: 'shared-bottom\'s held-out loss vs step per correlation (paper Figure 3), read by fig3-shared-bottom-curves.vl.json',
    columns: [CORRELATION, STEP, RUNS, MEAN, CI_LOW, CI_HIGH],
  },
  histograms: {
    file: 'figures/fig5-histograms.csv',
    about: 'final held-out loss histograms per model and correlation (paper Figure 5), read by fig5-histograms.vl.json',
    columns: [
      MODEL, CORRELATION,
      col('bin_start', 'lower edge (inclusive)'),
      col('bin_end', 'upper edge (exclusive); the overflow bin, for losses ≥ the config\'s report.histogramMax, is drawn one bin wide past it'),
      col('overflow', 'true on the overflow bin'),
      col('count', 'runs in the bin'),
      RUNS,
      col('fraction', 'count / runs'),
    ],
  },
  gates: {
    file: 'figures/fig6-gates.csv',
    about: 'gate weight per expert and task for every model with gates (omoe, mmoe, cgc, ple; paper Figure 6 analog), read by fig6-gates.vl.json',
    columns: [
      MODEL, CORRELATION,
      col('task', 'task 1 or 2'),
      col('expert_rank', 'experts of each run ordered by this task\'s own gate weight, 1 = the largest (expert indices are arbitrary across runs); up to the experts the task\'s gate mixes (cgc, ple: its own and the shared ones)'),
      RUNS,
      col('weight', 'mean over runs of the gate weight the task gives the expert at that rank'),
      CI_LOW, CI_HIGH,
      col('uniform', '1 / the experts the task\'s gate mixes: the weight of a uniform gate (omoe, mmoe: 1/experts; cgc, ple: 1/(own + shared)), read off gates.csv (the experts given weight > 0 in some run)'),
    ],
  },
} as const;

export type ReportOutput = keyof typeof REPORT_OUTPUTS;

export function reportHeader(name: ReportOutput): string[] {
  return REPORT_OUTPUTS[name].columns.map((c) => c.name);
}
