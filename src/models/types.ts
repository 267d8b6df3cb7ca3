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
}

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
}
