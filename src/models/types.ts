// The small interface every architecture implements (LibMTL's pattern): the trainer never
// branches on which architecture it holds.
import * as tf from '@tensorflow/tfjs';
import { ParamSpec, Params } from '../engine/params';

export interface ModelConfig {
  /** Shared-Bottom: units of the one ReLU bottom layer (113 matches MMoE's parameters, paper §5.1). */
  bottomUnits: number;
  /** OMoE/MMoE: number of experts. */
  experts: number;
  /** OMoE/MMoE: units of each expert's one ReLU layer. */
  expertUnits: number;
  /** Units of each task tower's one ReLU layer. */
  towerUnits: number;
  /** single-task, cross-stitch, l2-constrained: units of each task's own ReLU layer (68 matches MMoE's parameters, docs/MODELS.md). */
  taskUnits?: number;
  /** CGC: task-specific experts per task. */
  cgcTaskExperts?: number;
  /** CGC: experts shared by all tasks. */
  cgcSharedExperts?: number;
  /** PLE: task-specific experts per task in each level. */
  pleTaskExperts?: number;
  /** PLE: shared experts in each level. */
  pleSharedExperts?: number;
  /** PLE: CGC levels stacked (every level but the last has a shared gate). */
  pleLevels?: number;
  /** l2-constrained: λ in loss + λ·Σ‖θ_k − θ_l‖² over the task networks' paired parameters. */
  l2Lambda?: number;
}

/**
 * The successors' sizes at their defaults, parameter-matched to MMoE at the paper's sizes
 * within 10% (the counts: docs/MODELS.md, asserted in test/models/successors.test.ts).
 * Optional in ModelConfig so that shapes written for the paper's three stay valid.
 */
export const SUCCESSOR_DEFAULTS: Required<Omit<ModelConfig, 'bottomUnits' | 'experts' | 'expertUnits' | 'towerUnits'>> = {
  taskUnits: 68,
  cgcTaskExperts: 2,
  cgcSharedExperts: 4,
  pleTaskExperts: 2,
  pleSharedExperts: 3,
  pleLevels: 2,
  l2Lambda: 0.001,
};

/** A shape with every successor size filled in from SUCCESSOR_DEFAULTS where it is absent. */
export function sized(s: ModelShape): Required<ModelShape> {
  const out: Record<string, unknown> = { ...s };
  for (const [k, v] of Object.entries(SUCCESSOR_DEFAULTS)) out[k] ??= v;
  return out as unknown as Required<ModelShape>;
}

/** A model.* config key. */
export type ModelKey = keyof ModelConfig;

/** Every model.* config key, in the schema's order (test/sweep/reads.test.ts holds it to the schema). */
export const MODEL_KEYS: readonly ModelKey[] = ['bottomUnits', 'experts', 'expertUnits', 'towerUnits', ...(Object.keys(SUCCESSOR_DEFAULTS) as ModelKey[])];

export interface ModelShape extends ModelConfig {
  inputDim: number;
  tasks: number;
}

export interface Forward {
  /** [R, B, tasks] */
  predictions: tf.Tensor3D;
  /** [R, B, gates, experts] softmax weights, or null for gateless models. */
  gates: tf.Tensor4D | null;
}

export interface Architecture {
  name: string;
  summary: string;
  params(shape: ModelShape): ParamSpec[];
  /** x: [R, B, inputDim], replica r uses only replica r of every parameter. */
  forward(p: Params, x: tf.Tensor3D, shape: ModelShape): Forward;
  /**
   * A term the trainer adds to the loss, summed over replicas (l2-constrained's λ·‖θ1 − θ2‖²).
   * Replica r's term may involve only replica r of each parameter, as forward's may.
   */
  penalty?(p: Params, shape: ModelShape): tf.Scalar;
  /**
   * The model.* keys params, forward and penalty read (data.* and train.* keys reach every model).
   * A --set axis over a key not listed trains the model once for all its values (src/sweep/plan.ts).
   * Absent: every model key, the safe default for a --model-file that does not say.
   */
  reads?: readonly ModelKey[];
}

/** The model.* keys `a` reads: its declaration, or every one when it makes none. */
export const keysRead = (a: Architecture): readonly ModelKey[] => a.reads ?? MODEL_KEYS;
