// Every constant of a sweep, with its default, in one place (nanoGPT's pattern).
// Presets in configs/*.json and --config files override parts of this; flags override those.
import { DataConfig } from '../data/generator';
import { ModelConfig } from '../models/types';
import { TrainConfig } from '../train/replicas';

export interface SweepGrid {
  models: string[];
  /** Cosines p between the two tasks' weight vectors (paper §3.2). */
  correlations: number[];
  /** Independent runs per (model, correlation, lr); run i sees the same data for every model. */
  runs: number;
  /** Base seed: every run's seed is derived from (seed, run index, correlation). */
  seed: number;
}

export interface ReportConfig {
  /** Histogram bins over [0, histogramMax) (paper Figure 5: 21 bins up to 0.7), plus an overflow bin. */
  histogramBins: number;
  histogramMax: number;
}

export interface SweepConfig {
  data: DataConfig;
  model: ModelConfig;
  train: TrainConfig;
  sweep: SweepGrid;
  report: ReportConfig;
}

export const DEFAULTS: SweepConfig = {
  data: {
    dim: 100,
    scale: 1,
    sinusoids: 10,
    alpha: null,
    beta: null,
    alphaStd: 1,
    betaStd: 1,
    noiseStd: 0.1, // the paper's ε ~ N(0, 0.01) read as a variance
    trainSize: 10000,
    evalSize: 2000,
  },
  model: { bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8 },
  train: { steps: 2000, batchSize: 128, lr: [0.001], evalEvery: 100 },
  sweep: { models: ['shared-bottom', 'omoe', 'mmoe'], correlations: [0.5, 0.9, 1], runs: 20, seed: 1 },
  report: { histogramBins: 21, histogramMax: 0.7 },
};
