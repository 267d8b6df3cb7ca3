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
    about: 'one row per comparison behind each of the paper\'s claims, with its test and verdict',
    columns: [
      col('claim', 'C1 … C5 (README "report")'),
      col('claim_verdict', 'pass, fail, unresolved or not applicable, for the whole claim'),
      col('comparison', 'what is compared, e.g. "p=0.5: omoe > mmoe" (empty when not applicable)'),
      col('test', 'wilcoxon (paired signed-rank), mann-whitney (unpaired U) or bootstrap (paired, of the IQR difference)'),
      col('n', 'paired runs ("20 pairs") or the two sample sizes ("20 vs 20")'),
      col('statistic', 'W+ (wilcoxon), U of the first sample (mann-whitney) or the IQR difference (bootstrap)'),
      col('effect', 'mean difference in loss units, signed so that > 0 supports the claim'),
      col('effect_ci_low', 'lower end of its 95% bootstrap interval'),
      col('effect_ci_high', 'upper end of that interval'),
      col('relative', 'effect / the mean (C4: the IQR) of the model or correlation compared against'),
      col('rank_biserial', 'rank-biserial correlation in [−1, 1], > 0 supports the claim (empty for bootstrap)'),
      col('p', 'two-sided p-value'),
      col('runs_needed', 'runs (per correlation for unpaired comparisons) for this effect to reach p < alpha with 80% power'),
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
    about: 'gate weight per expert and task for omoe and mmoe (paper Figure 6 analog), read by fig6-gates.vl.json',
    columns: [
      MODEL, CORRELATION,
      col('task', 'task 1 or 2'),
      col('expert_rank', 'experts of each run ordered by this task\'s own gate weight, 1 = the largest (expert indices are arbitrary across runs)'),
      RUNS,
      col('weight', 'mean over runs of the gate weight the task gives the expert at that rank'),
      CI_LOW, CI_HIGH,
    ],
  },
} as const;

export type ReportOutput = keyof typeof REPORT_OUTPUTS;

export function reportHeader(name: ReportOutput): string[] {
  return REPORT_OUTPUTS[name].columns.map((c) => c.name);
}
