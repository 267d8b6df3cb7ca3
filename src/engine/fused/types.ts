// The contract between the trainer (src/train) and a fused implementation of an architecture:
// forward, backward and Adam for R replicas on replica-stacked Float32Array parameters, with
// no tfjs tape. The tfjs models in src/models stay the readable reference; a fused engine is
// selected by architecture name and pinned to that reference by tests.

/** The successors' sizes (models' ModelConfig; the trainer's shapes carry them, filled from SUCCESSOR_DEFAULTS). */
export type SuccessorSize = 'taskUnits' | 'cgcTaskExperts' | 'cgcSharedExperts' | 'pleTaskExperts' | 'pleSharedExperts' | 'pleLevels' | 'l2Lambda';

/** The sizes a fused engine needs (the numeric part of models' ModelShape; engine never imports models). */
export interface FusedShape extends Partial<Record<SuccessorSize, number>> {
  inputDim: number;
  tasks: number;
  bottomUnits: number;
  experts: number;
  expertUnits: number;
  towerUnits: number;
}

/** One group of R replicas of one architecture, trained together at one learning rate. */
export interface FusedGroup {
  readonly replicas: number;
  /** The rate of the following steps (a learning-rate schedule's; create's lr until called). */
  setLearningRate(lr: number): void;
  /**
   * One Adam step. x: [R, B, inputDim] row-major, y: [R, B, tasks]. Returns each replica's
   * per-task training MSE on this batch, measured before the update: [R, tasks].
   */
  step(x: Float32Array, y: Float32Array, batch: number): Float32Array;
  /** Per-replica, per-task MSE on n rows per replica (x: [R, n, inputDim], y: [R, n, tasks]) → [R, tasks]. */
  evaluate(x: Float32Array, y: Float32Array, n: number): Float32Array;
  /** Experts per gate in gateMeans (shape.experts for MoE; CGC/PLE: tasks·own + shared); 0 without gates. */
  readonly gateExperts: number;
  /** Mean gate weights over n rows per replica → [R, gates, gateExperts], or null for gateless models. */
  gateMeans(x: Float32Array, n: number): Float32Array | null;
  /**
   * For tests: each replica's per-task MSE on this batch and the gradients of the summed loss
   * (as step minimises it) by ParamSpec name, stacked [R, ...shape]; parameters unchanged.
   */
  gradients(x: Float32Array, y: Float32Array, batch: number): { losses: Float32Array; grads: Record<string, Float32Array> };
  /** The current parameters by ParamSpec name, each stacked [R, ...shape] (tests compare these with tfjs). */
  parameters(): Record<string, Float32Array>;
  /** Drops the group's memory (its wasm memory); the group is unusable afterwards. */
  dispose(): void;
}

export interface FusedArchitecture {
  /** The architecture name in src/models/zoo.ts this implements. */
  name: string;
  /**
   * initial: the same stacked initial values the tfjs path starts from (src/engine/params.ts
   * initialValues per replica seed), by ParamSpec name.
   */
  create(shape: FusedShape, initial: Record<string, Float32Array>, replicas: number, lr: number): FusedGroup;
}
