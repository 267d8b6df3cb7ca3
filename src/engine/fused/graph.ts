// The fused engine of the successor architectures (single-task, CGC, PLE, cross-stitch,
// l2-constrained): an architecture describes itself as a short plan of dense products, gated
// mixtures over ranges of experts, cross-stitch units and towers (plan(), below), and this file
// runs the plan forward and backward with Adam for R replicas on kernels.c, with no tfjs tape.
// dense.ts stays the tuned path of the paper's three (one packed first layer); the readable
// reference is src/models, and test/engine/fused*.test.ts pins this file to it.
//
// As in dense.ts, a replica is processed start to finish on one set of scratch buffers, each
// product on its own slice, so a replica in a group is bit-identical to the same run alone.
import { Arena, Kernels, arena } from './arena';
import { CHUNK, View, adamSteps, placeInitial, replicaGradients, replicaMeans, stacked } from './block';
import { FusedGroup, FusedShape, SuccessorSize } from './types';

/** out = input · W; bias and ReLU on the first `relu` columns, then softmax gates (eq. 8) on each gate range. */
interface Product {
  kind: 'product';
  input: number;
  out: number;
  K: number;
  N: number;
  w: number;
  b: number;
  relu: number;
  gates: { col: number; size: number }[];
  /** a tower's hidden layer: tower_out applies its ReLU mask and bias gradient */
  tower: boolean;
}

/** A range of `count` gate weights (columns of node `gate` from gateCol) over as many experts of H units (node `experts` from expertCol). */
export interface MixTerm {
  gate: number;
  gateCol: number;
  experts: number;
  expertCol: number;
  count: number;
}

/** out [n, H] = Σ over its terms of the gated sums of experts (eq. 7, over a subset of the experts). */
interface Mix {
  kind: 'mix';
  out: number;
  H: number;
  terms: MixTerm[];
}

/** Cross-stitch (Misra et al. eq. 1): outs[k] = Σ_l α_kl · inputs[l], α = start + the parameter at `delta`. */
interface Stitch {
  kind: 'stitch';
  inputs: number[];
  outs: number[];
  delta: number;
  start: number[][];
}

/** Task k's linear output on its hidden layer (node `hidden`, U units), its squared errors, and with backward its gradients. */
interface Tower {
  kind: 'tower';
  k: number;
  hidden: number;
  U: number;
  wo: number;
  bh: number;
}

type Op = Product | Mix | Stitch | Tower;

/** A gate reported by gateMeans: place.length weights from column `col` of `node`, weight j in output column place[j]. */
interface ReportedGate {
  node: number;
  col: number;
  place: number[];
}

export interface Plan {
  /** widths of the activations; node 0 is the input x */
  widths: number[];
  ops: Op[];
  views: Map<string, View>;
  /** floats of one replica's parameter block */
  size: number;
  gates: ReportedGate[];
  gateExperts: number;
  /** λ·Σ ‖a − b‖² over these pairs of parameters, added to the loss (l2-constrained) */
  penalty: { lambda: number; pairs: [string, string][] } | null;
}

/** The builder an architecture file describes its layout with. */
export function plan(shape: FusedShape) {
  const p: Plan = { widths: [shape.inputDim], ops: [], views: new Map(), size: 0, gates: [], gateExperts: 0, penalty: null };
  // who reads each node: a product or stitch alone (it writes the node's gradient), or any
  // number of mixtures (they add into it, zeroed first)
  const readers = new Map<number, Op['kind']>();
  const claim = (nodes: number[], kind: Op['kind']) => {
    for (const n of nodes) {
      const was = readers.get(n);
      if (n > 0 && was && (was !== 'mix' || kind !== 'mix')) throw new Error(`fused engine: node ${n} read by a ${was} and a ${kind}`);
      readers.set(n, kind);
    }
  };
  const param = (name: string, off: number, rows: number, cols: number, stride: number) => p.views.set(name, { off, rows, cols, stride });
  const node = (width: number) => p.widths.push(width) - 1;
  const product = (input: number, relu: [string, number][], gates: [string, number][], tower = false) => {
    claim([input], 'product');
    const K = p.widths[input];
    const A = relu.reduce((a, [, c]) => a + c, 0);
    const N = A + gates.reduce((a, [, c]) => a + c, 0);
    const w = p.size;
    p.size += K * N;
    const b = p.size;
    p.size += A;
    const col: Record<string, number> = {};
    let at = 0;
    for (const [name, c] of relu) {
      param(`${name}.w`, w + at, K, c, N);
      param(`${name}.b`, b + at, 1, c, c);
      col[name] = at;
      at += c;
    }
    const ranges: { col: number; size: number }[] = [];
    for (const [name, c] of gates) {
      param(`${name}.w`, w + at, K, c, N);
      ranges.push({ col: at, size: c });
      col[name] = at;
      at += c;
    }
    const out = node(N);
    p.ops.push({ kind: 'product', input, out, K, N, w, b, relu: A, gates: ranges, tower });
    return { node: out, col };
  };
  return {
    input: 0,
    /** One product reading node `input`: ReLU layers (name.w, name.b), then softmax gates (name.w, no bias, eq. 8). */
    product: (input: number, relu: [string, number][], gates: [string, number][] = []) => product(input, relu, gates),
    /** A gated mixture of H units. */
    mix(H: number, terms: MixTerm[]): number {
      claim(terms.flatMap((t) => [t.gate, t.experts]), 'mix');
      const out = node(H);
      p.ops.push({ kind: 'mix', out, H, terms });
      return out;
    },
    /** A cross-stitch unit over equally wide nodes, α = start + parameter `name` [T, T]. */
    stitch(inputs: number[], name: string, start: number[][]): number[] {
      claim(inputs, 'stitch');
      const T = inputs.length, delta = p.size;
      p.size += T * T;
      param(name, delta, T, T, T);
      const outs = inputs.map((i) => node(p.widths[i]));
      p.ops.push({ kind: 'stitch', inputs, outs, delta, start });
      return outs;
    },
    /** Task k's tower (paper §5.1: a ReLU layer of towerUnits, a linear output), named tower{k+1}.* as src/models. */
    tower(k: number, input: number): void {
      const U = shape.towerUnits;
      const h = product(input, [[`tower${k + 1}.hidden`, U]], [], true);
      const wo = p.size;
      p.size += U + 1; // tower_out reads the output weights then the bias
      param(`tower${k + 1}.out.w`, wo, U, 1, 1);
      param(`tower${k + 1}.out.b`, wo + U, 1, 1, 1);
      p.ops.push({ kind: 'tower', k, hidden: h.node, U, wo, bh: p.views.get(`tower${k + 1}.hidden.b`)!.off });
    },
    reportGate(node: number, col: number, place: number[], experts: number): void {
      p.gates.push({ node, col, place });
      p.gateExperts = experts;
    },
    penalty(lambda: number, pairs: [string, string][]): void {
      p.penalty = { lambda, pairs };
    },
    done(): Plan {
      p.size = (p.size + 3) & ~3; // 16-byte aligned blocks
      return p;
    },
  };
}

/** A successor size from the shape (the trainer's shapes carry them all); a clear error when absent. */
export function need(shape: FusedShape, key: SuccessorSize): number {
  const v = shape[key];
  if (v === undefined) throw new Error(`fused engine: shape.${key} is required`);
  return v;
}

export function createGraph(g: Plan, shape: FusedShape, initial: Record<string, Float32Array>, R: number, lr: number): FusedGroup {
  const { inputDim: d, tasks: T } = shape;
  const { widths, ops, views, size: P } = g;
  const products = ops.filter((o): o is Product => o.kind === 'product');
  const towers = ops.filter((o): o is Tower => o.kind === 'tower');
  if (towers.length !== T) throw new Error(`fused engine: ${towers.length} towers for ${T} tasks`);
  const mixed = [...new Set(ops.flatMap((o) => (o.kind === 'mix' ? o.terms.flatMap((t) => [t.gate, t.experts]) : [])))];
  const trScratch = Math.max(...products.map((o) => o.K * o.N));

  // ---- memory, one arena addressed by absolute float offsets: every replica's parameters and
  // Adam moments, one replica's gradients, then row scratch for up to `cap` rows, grown on demand
  let mem: Arena | null = null;
  let K: Kernels | null = null;
  let PAR = 0, M1 = 0, M2 = 0, GRAD = 0, Y = 0, SSE = 0, TR = 0, cap = 0;
  const val: number[] = [], grad: number[] = []; // each node's activations and gradient (node 0: x, no gradient)
  let sse: Float64Array<ArrayBufferLike> = new Float64Array(0);
  const ensure = (n: number) => {
    if (n <= cap) return;
    const parts = [R * P, R * P, R * P, P, n * T, 2 * T, trScratch, ...widths.flatMap((w, i) => (i === 0 ? [n * w] : [n * w, n * w]))].map((s) => (s + 3) & ~3);
    const next = arena(parts.reduce((a, b) => a + b, 0));
    let at = 0;
    const offs = parts.map((s) => ((at += s), at - s));
    const old = PAR;
    [PAR, M1, M2, GRAD, Y, SSE, TR] = offs;
    widths.forEach((_, i) => {
      val[i] = offs[i === 0 ? 7 : 6 + 2 * i];
      grad[i] = i === 0 ? -1 : offs[7 + 2 * i];
    });
    if (mem) next.f32().set(mem.f32().subarray(old, old + 3 * R * P), PAR); // parameters and moments
    mem = next;
    K = next.kernels;
    cap = n;
    sse = new Float64Array(next.f32().buffer, SSE * 4, T);
  };
  ensure(CHUNK);
  placeInitial(mem!.f32(), views, initial, R, P, PAR);

  /** α of a stitch for the replica whose block starts at par, in float32 as the tfjs path adds it */
  const alpha = (o: Stitch, par: number) => {
    const F = mem!.f32();
    return o.start.map((row, k) => row.map((s, l) => Math.fround(Math.fround(s) + F[par + o.delta + k * row.length + l])));
  };

  // ---- forward for one replica on n rows already in node 0; with backward, the towers' output gradients too
  const forward = (par: number, n: number, backward: boolean) => {
    const k = K!;
    for (const o of ops) {
      if (o.kind === 'product') {
        mem!.nn(val[o.input], par + o.w, val[o.out], n, o.K, o.N);
        if (o.relu > 0) k.bias_relu(val[o.out] * 4, o.N, (par + o.b) * 4, o.relu, n);
        for (const r of o.gates) k.softmax(val[o.out] * 4, o.N, r.col, r.size, 1, n); // eq. 8
      } else if (o.kind === 'mix') {
        o.terms.forEach((t, i) => k.gmix_fwd((val[t.gate] + t.gateCol) * 4, widths[t.gate], (val[t.experts] + t.expertCol) * 4, widths[t.experts], t.count, o.H, n, val[o.out] * 4, i > 0 ? 1 : 0));
      } else if (o.kind === 'stitch') {
        const a = alpha(o, par), len = n * widths[o.inputs[0]];
        o.outs.forEach((out, kk) => o.inputs.forEach((input, l) => k.axpy(val[out] * 4, val[input] * 4, a[kk][l], len, l > 0 ? 1 : 0)));
      } else {
        k.tower_out(val[o.hidden] * 4, n, o.U, 1, (par + o.wo) * 4, Y * 4, T, o.k, SSE * 4 + o.k * 8,
          backward ? 1 : 0, grad[o.hidden] * 4, (GRAD + o.wo) * 4, (GRAD + o.bh) * 4);
      }
    }
  };

  // ---- backward for one replica: gradients of Σ_k MSE_k (+ the penalty) into the gradient block
  const backward = (par: number, n: number) => {
    const k = K!, F = mem!.f32();
    for (const i of mixed) F.fill(0, grad[i], grad[i] + n * widths[i]); // the mixtures add into these
    for (let j = ops.length - 1; j >= 0; j--) {
      const o = ops[j];
      if (o.kind === 'product') {
        if (!o.tower && o.relu > 0) k.relu_bwd(val[o.out] * 4, grad[o.out] * 4, o.N, o.relu, n, (GRAD + o.b) * 4);
        for (const r of o.gates) k.softmax_bwd((val[o.out] + r.col) * 4, (grad[o.out] + r.col) * 4, o.N, r.size, 1, n);
        mem!.tn(val[o.input], grad[o.out], GRAD + o.w, n, o.K, o.N);
        if (o.input > 0) mem!.nt(grad[o.out], par + o.w, grad[o.input], n, o.N, o.K, TR);
      } else if (o.kind === 'mix') {
        for (const t of o.terms) {
          k.gmix_bwd((val[t.gate] + t.gateCol) * 4, (grad[t.gate] + t.gateCol) * 4, widths[t.gate],
            (val[t.experts] + t.expertCol) * 4, (grad[t.experts] + t.expertCol) * 4, widths[t.experts], t.count, o.H, n, grad[o.out] * 4);
        }
      } else if (o.kind === 'stitch') {
        // dδ_kl = Σ d out_k · h_l; d h_l = Σ_k α_kl · d out_k
        const a = alpha(o, par), len = n * widths[o.inputs[0]], L = o.inputs.length;
        o.outs.forEach((out, kk) => o.inputs.forEach((input, l) => (F[GRAD + o.delta + kk * L + l] = k.dot(grad[out] * 4, val[input] * 4, len))));
        o.inputs.forEach((input, l) => o.outs.forEach((out, kk) => k.axpy(grad[input] * 4, grad[out] * 4, a[kk][l], len, kk > 0 ? 1 : 0)));
      }
    }
    if (g.penalty) {
      // d/dθ of λ·‖a − b‖²: 2λ(a − b) into a's gradient, its negative into b's
      const c = 2 * g.penalty.lambda;
      for (const [an, bn] of g.penalty.pairs) {
        const va = views.get(an)!, vb = views.get(bn)!;
        for (let i = 0; i < va.rows; i++) {
          for (let j = 0; j < va.cols; j++) {
            const ia = va.off + i * va.stride + j, ib = vb.off + i * vb.stride + j;
            const dd = c * (F[par + ia] - F[par + ib]);
            F[GRAD + ia] += dd;
            F[GRAD + ib] -= dd;
          }
        }
      }
    }
  };

  const adam = adamSteps(lr);

  /** rows [from, from + n) of x and y (all replicas' rows, concatenated) into node 0 and Y */
  const load = (x: Float32Array, y: Float32Array | null, from: number, n: number) => {
    const F = mem!.f32();
    F.set(x.subarray(from * d, (from + n) * d), val[0]);
    if (y) F.set(y.subarray(from * T, (from + n) * T), Y);
  };

  const lossAndGrad = (x: Float32Array, y: Float32Array, batch: number, r: number, losses: Float32Array) => {
    ensure(batch);
    load(x, y, r * batch, batch);
    const par = PAR + r * P;
    sse.fill(0);
    forward(par, batch, true);
    for (let k = 0; k < T; k++) losses[r * T + k] = sse[k] / batch;
    backward(par, batch);
  };

  const byName = (count: number, block: (r: number) => number) => stacked(mem!.f32(), views, count, block);

  const E = g.gateExperts, G = g.gates.length;
  return {
    replicas: R,
    gateExperts: E,
    setLearningRate: (rate) => adam.setLearningRate(rate),
    step(x, y, batch) {
      const losses = new Float32Array(R * T);
      for (let r = 0; r < R; r++) {
        lossAndGrad(x, y, batch, r, losses);
        adam.update(K!, (PAR + r * P) * 4, GRAD * 4, (M1 + r * P) * 4, (M2 + r * P) * 4, P);
      }
      adam.advance();
      return losses;
    },
    gradients: (x, y, batch) => replicaGradients(R, T, views.keys(), (r, losses) => lossAndGrad(x, y, batch, r, losses), () => byName(1, () => GRAD)),
    evaluate: (x, y, n) =>
      replicaMeans(R, T, n, ensure, () => sse, (r, from, len) => {
        load(x, y, r * n + from, len);
        forward(PAR + r * P, len, false);
      }),
    gateMeans(x, n) {
      if (G === 0) return null;
      const sum = new Float64Array(G * E);
      return replicaMeans(R, G * E, n, ensure, () => sum, (r, from, len) => {
        load(x, null, r * n + from, len);
        forward(PAR + r * P, len, false);
        const F = mem!.f32();
        g.gates.forEach((gate, gi) => {
          const w = widths[gate.node];
          for (let b = 0; b < len; b++) {
            const at = val[gate.node] + b * w + gate.col;
            gate.place.forEach((c, j) => (sum[gi * E + c] += F[at + j]));
          }
        });
      });
    },
    parameters: () => byName(R, (r) => PAR + r * P),
    dispose() {
      mem = null;
      cap = 0;
    },
  };
}
