// Every constant of a sweep, with its default, in one place (nanoGPT's pattern).
// Presets in configs/*.json and --config files override parts of this; flags override those.
import { DataConfig } from '../data/generator';
import { ModelConfig, SUCCESSOR_DEFAULTS } from '../models/types';
import { TrainConfig } from '../train/replicas';
import type { Grid } from './grid';

export interface SweepGrid {
  models: string[];
  /** Cosines p between the two tasks' weight vectors (paper §3.2). */
  correlations: number[];
  /** Independent runs per (model, correlation, lr); run i sees the same data for every model. */
  runs: number;
  /** Base seed: every run's seed is derived from (seed, run index), the same at every correlation. */
  seed: number;
  /** More axes (--set KEY=V1,V2,...): dotted key → values; absent without any, so older configs hash as before. */
  grid?: Grid;
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
    // Calibrated to the paper's Figure 2 (docs/REPRODUCTION.md): label correlation 0.08 at p = 0.5,
    // 0.31 at p = 0.9; y = z − sin(1.2z) + cos(3.4z) + cos(7.2z) + ε with z = wᵀx.
    scale: 1,
    sinusoids: 3,
    alpha: [1.2, 3.4, 7.2],
    beta: [3.1416, 1.5708, 1.5708],
    alphaStd: 1, // used only when alpha is null (drawn once per sweep from the base seed)
    betaStd: 1,
    noiseStd: 0.1, // the paper's ε ~ N(0, 0.01) read as a variance
    trainSize: 10000,
    evalSize: 2000,
  },
  // the successors' sizes (single-task … ple) sit with their parameter counts in src/models/types.ts
  model: { bottomUnits: 113, experts: 8, expertUnits: 16, towerUnits: 8, ...SUCCESSOR_DEFAULTS },
  train: { steps: 1000, batchSize: 128, lr: [0.001], evalEvery: 100 },
  sweep: { models: ['shared-bottom', 'omoe', 'mmoe'], correlations: [0.5, 0.9, 1], runs: 20, seed: 1 },
  report: { histogramBins: 21, histogramMax: 0.7 },
};
