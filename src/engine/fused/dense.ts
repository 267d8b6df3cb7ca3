// The fused engine of the zoo's dense architectures: a first layer (a ReLU bottom, or experts
// and softmax gates in ONE product), the gated mixture (eq. 7), ReLU towers with a linear
// output, per-task MSE and Adam, for R replicas with no tfjs tape. The readable reference is
// src/models (layers.ts); test/engine/fused*.test.ts pins this file to it.
//
// A replica is processed start to finish (forward, backward, its Adam update) on one set of
// scratch buffers, with every product on that replica's own slice: its arithmetic never
// depends on the group, so a replica in a group is bit-identical to the same run alone.
import { Arena, Kernels, arena } from './arena';
import { CHUNK, View, adamSteps, placeInitial, replicaGradients, replicaMeans, stacked } from './block';
import { FusedGroup, FusedShape } from './types';

/** How an architecture uses the dense pieces. */
export interface DenseLayout {
  /** Softmax gates over the experts; 0 for a plain ReLU bottom layer (shared-bottom). */
  gates(shape: FusedShape): number;
  /** The gate whose mixture feeds task k's tower (unused without gates). */
  taskGate(k: number): number;
}

/** Towers that read the same input share one hidden product: [in, tasks·U] weights. */
interface TowerGroup {
  tasks: number[];
  /** gate of the mixture it reads (−1: the bottom layer) */
  gate: number;
  cols: number;
  wh: number;
  bh: number;
}

/** Phases a step's time is split into by bench/fused-split.ts. */
export const PHASES = ['load', 'first product', 'first dW product', 'tower products', 'forward rest', 'backward rest', 'adam'] as const;
const [LOAD, FIRST, FIRST_DW, TOWER_PRODUCTS, FORWARD, BACKWARD, ADAM] = PHASES.map((_, i) => i);
let phaseMs: Float64Array | null = null;
let last = 0;
/** Starts (or stops) accumulating each phase's wall time in ms, indexed as PHASES; a benchmark hook. */
export function timePhases(on: boolean): Float64Array | null {
  phaseMs = on ? new Float64Array(PHASES.length) : null;
  last = performance.now();
  return phaseMs;
}
function tick(phase: number): void {
  if (!phaseMs) return;
  const now = performance.now();
  phaseMs[phase] += now - last;
  last = now;
}

export function createDense(layout: DenseLayout, shape: FusedShape, initial: Record<string, Float32Array>, R: number, lr: number): FusedGroup {
  const { inputDim: d, tasks: T, experts: E, expertUnits: H, towerUnits: U } = shape;
  const G = layout.gates(shape);
  const A = G > 0 ? E * H : shape.bottomUnits; // first-layer columns with bias and ReLU
  const N1 = A + G * E; // then the gate logits
  const W = G > 0 ? H : A; // width of a tower's input

  // ---- one replica's parameter block (the gradient block has the same layout)
  const views = new Map<string, View>();
  let P = 0;
  const W1 = P; P += d * N1;
  const B1 = P; P += A;
  if (G > 0) {
    views.set('experts.w', { off: W1, rows: d, cols: A, stride: N1 });
    views.set('experts.b', { off: B1, rows: 1, cols: A, stride: A });
    views.set('gates.w', { off: W1 + A, rows: d, cols: G * E, stride: N1 });
  } else {
    views.set('bottom.w', { off: W1, rows: d, cols: A, stride: A });
    views.set('bottom.b', { off: B1, rows: 1, cols: A, stride: A });
  }
  const groups: TowerGroup[] = [];
  for (let k = 0; k < T; k++) {
    const gate = G > 0 ? layout.taskGate(k) : -1;
    const g = groups.find((x) => x.gate === gate);
    if (g) g.tasks.push(k);
    else groups.push({ tasks: [k], gate, cols: 0, wh: 0, bh: 0 });
  }
  const wo: number[] = [], bo: number[] = [];
  for (const g of groups) {
    g.cols = g.tasks.length * U;
    g.wh = P; P += W * g.cols;
    g.bh = P; P += g.cols;
    g.tasks.forEach((k, j) => {
      wo[k] = P; P += U;
      bo[k] = P; P += 1;
      views.set(`tower${k + 1}.hidden.w`, { off: g.wh + j * U, rows: W, cols: U, stride: g.cols });
      views.set(`tower${k + 1}.hidden.b`, { off: g.bh + j * U, rows: 1, cols: U, stride: U });
      views.set(`tower${k + 1}.out.w`, { off: wo[k], rows: U, cols: 1, stride: 1 });
      views.set(`tower${k + 1}.out.b`, { off: bo[k], rows: 1, cols: 1, stride: 1 });
    });
  }
  // tower_out (kernels.c) reads a group's labels as consecutive columns
  if (groups.some((g) => g.tasks.some((k, j) => k !== g.tasks[0] + j))) throw new Error('fused engine: a tower group must hold consecutive tasks');
  P = (P + 3) & ~3; // 16-byte aligned blocks
  const maxCols = Math.max(...groups.map((g) => g.cols));

  // ---- memory, one arena (products and kernels address it by absolute offsets): parameters
  // of every replica and their Adam moments, one replica's gradients, then row scratch for up
  // to `cap` rows, grown on demand
  let mem: Arena | null = null;
  let K: Kernels | null = null; // the kernels bound to mem's memory
  let PAR = 0, M1 = 0, M2 = 0, GRAD = 0, cap = 0;
  let X = 0, Y = 0, SSE = 0, Z = 0, DZ = 0, MIX = 0, DMIX = 0, T1 = 0, DT1 = 0, TR = 0;
  let sse: Float64Array<ArrayBufferLike> = new Float64Array(0);
  const ensure = (n: number) => {
    if (n <= cap) return;
    const parts = [R * P, R * P, R * P, P, n * d, n * T, 2 * T, n * N1, n * N1, G * n * H, G * n * H, groups.length * n * maxCols,
      groups.length * n * maxCols, maxCols * W].map((size) => (size + 3) & ~3);
    const next = arena(parts.reduce((a, b) => a + b, 0));
    let at = 0;
    const old = PAR;
    [PAR, M1, M2, GRAD, X, Y, SSE, Z, DZ, MIX, DMIX, T1, DT1, TR] = parts.map((size) => ((at += size), at - size));
    if (mem) next.f32().set(mem.f32().subarray(old, old + 3 * R * P), PAR); // parameters and moments
    mem = next;
    K = next.kernels;
    cap = n;
    sse = new Float64Array(next.f32().buffer, SSE * 4, T); // per-task sums of squared errors
  };
  ensure(CHUNK);
  placeInitial(mem!.f32(), views, initial, R, P, PAR);

  // ---- forward for one replica on n rows already in X; par: its parameter block
  const firstLayer = (par: number, n: number) => {
    const R1 = mem!;
    R1.nn(X, par + W1, Z, n, d, N1);
    tick(FIRST);
    K!.bias_relu(Z * 4, N1, (par + B1) * 4, A, n);
    if (G === 0) return;
    K!.softmax(Z * 4, N1, A, E, G, n); // eq. 8
    K!.mix_fwd(Z * 4, N1, A, E, H, G, n, MIX * 4); // eq. 7
  };

  /** Towers and per-task squared errors (summed into sse); with backward, the output layer's gradients too. */
  const towers = (par: number, n: number, backward: boolean) => {
    const R1 = mem!;
    groups.forEach((g, gi) => {
      const input = g.gate < 0 ? Z : MIX + g.gate * n * H;
      const t1 = T1 + gi * n * maxCols, k0 = g.tasks[0];
      tick(FORWARD);
      R1.nn(input, par + g.wh, t1, n, W, g.cols);
      tick(TOWER_PRODUCTS);
      K!.bias_relu(t1 * 4, g.cols, (par + g.bh) * 4, g.cols, n);
      K!.tower_out(t1 * 4, n, U, g.tasks.length, (par + wo[k0]) * 4, Y * 4, T, k0, SSE * 4 + k0 * 8,
        backward ? 1 : 0, (DT1 + gi * n * maxCols) * 4, (GRAD + wo[k0]) * 4, (GRAD + g.bh) * 4);
    });
  };

  // ---- backward for one replica: gradients of Σ_k MSE_k into the gradient block
  const backward = (par: number, n: number) => {
    const R1 = mem!;
    groups.forEach((g, gi) => {
      const dt1 = DT1 + gi * n * maxCols; // d t1 and the output layer's gradients came with the forward (tower_out)
      const input = g.gate < 0 ? Z : MIX + g.gate * n * H;
      tick(BACKWARD);
      R1.tn(input, dt1, GRAD + g.wh, n, W, g.cols);
      // the towers' input gradient: into the mixture's (MoE) or straight into the bottom's dZ
      R1.nt(dt1, par + g.wh, g.gate < 0 ? DZ : DMIX + g.gate * n * H, n, g.cols, W, TR);
      tick(TOWER_PRODUCTS);
    });
    // eq. 7–8 backward into dZ (MoE; shared-bottom's dZ came from its towers), then the ReLU's mask and the bias gradient
    if (G > 0) K!.mix_bwd(Z * 4, DZ * 4, N1, A, E, H, G, n, DMIX * 4);
    K!.relu_bwd(Z * 4, DZ * 4, N1, A, n, (GRAD + B1) * 4);
    tick(BACKWARD);
    R1.tn(X, DZ, GRAD + W1, n, d, N1); // the input layer needs no dX
    tick(FIRST_DW);
  };

  const adam = adamSteps(lr);

  /** rows [from, from + n) of x and y (all replicas' rows, concatenated) into X and Y */
  const load = (x: Float32Array, y: Float32Array | null, from: number, n: number) => {
    const F = mem!.f32();
    F.set(x.subarray(from * d, (from + n) * d), X);
    if (y) F.set(y.subarray(from * T, (from + n) * T), Y);
  };

  /** Loss and gradients for replica r's batch (left in the gradient block); returns nothing, fills losses. */
  const lossAndGrad = (x: Float32Array, y: Float32Array, batch: number, r: number, losses: Float32Array) => {
    ensure(batch);
    tick(ADAM);
    load(x, y, r * batch, batch);
    tick(LOAD);
    const par = PAR + r * P;
    firstLayer(par, batch);
    sse.fill(0);
    towers(par, batch, true);
    for (let k = 0; k < T; k++) losses[r * T + k] = sse[k] / batch;
    tick(FORWARD);
    backward(par, batch);
  };

  const byName = (count: number, block: (r: number) => number) => stacked(mem!.f32(), views, count, block);

  return {
    replicas: R,
    gateExperts: G > 0 ? E : 0,
    setLearningRate: (rate) => adam.setLearningRate(rate),
    step(x, y, batch) {
      if (phaseMs) last = performance.now();
      const losses = new Float32Array(R * T);
      for (let r = 0; r < R; r++) {
        lossAndGrad(x, y, batch, r, losses);
        adam.update(K!, (PAR + r * P) * 4, GRAD * 4, (M1 + r * P) * 4, (M2 + r * P) * 4, P);
      }
      tick(ADAM);
      adam.advance();
      return losses;
    },
    gradients: (x, y, batch) => replicaGradients(R, T, views.keys(), (r, losses) => lossAndGrad(x, y, batch, r, losses), () => byName(1, () => GRAD)),
    evaluate: (x, y, n) =>
      replicaMeans(R, T, n, ensure, () => sse, (r, from, len) => {
        load(x, y, r * n + from, len);
        firstLayer(PAR + r * P, len);
        towers(PAR + r * P, len, false);
      }),
    gateMeans(x, n) {
      if (G === 0) return null;
      const sum = new Float64Array(G * E);
      return replicaMeans(R, G * E, n, ensure, () => sum, (r, from, len) => {
        load(x, null, r * n + from, len);
        firstLayer(PAR + r * P, len);
        const F = mem!.f32();
        for (let b = 0; b < len; b++) {
          const l = Z + b * N1 + A;
          for (let i = 0; i < G * E; i++) sum[i] += F[l + i];
        }
      });
    },
    parameters: () => byName(R, (r) => PAR + r * P),
    dispose() {
      mem = null; // the wasm memory goes with its last reference
      cap = 0;
    },
  };
}
