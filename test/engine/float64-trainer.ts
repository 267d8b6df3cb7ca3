// The paper's three architectures trained in float64: forward (eq. 5–8 and §4.1), backward and
// Adam (Kingma & Ba, Algorithm 1), one row at a time. Adam's constants are tf.train.adam's
// float32 values (β2 = 0.999 is 0.99900001 in float32, which shrinks the first steps by 6e-6
// against exact 0.999), so the arithmetic's rounding is all that differs. Not a fast path:
// the yardstick for how far float32 rounding alone moves a trajectory, which both float32
// engines (tfjs and the fused one) are measured against in fused-training.test.ts.
import { FusedShape } from '../../src/engine/fused';

export interface Trainer64 {
  /** One Adam step on [R, B, ·] rows; returns each replica's per-task batch MSE before the update: [R, tasks]. */
  step(x: Float32Array, y: Float32Array, batch: number): Float64Array;
  /** Gradients of Σ_r Σ_k MSE_k by parameter name, stacked [R, ...shape]; parameters unchanged. */
  gradients(x: Float32Array, y: Float32Array, batch: number): Record<string, Float64Array>;
  /** The current parameters by name, stacked [R, ...shape] (the values themselves, not copies). */
  parameters(): Record<string, Float64Array>;
}

/** Gates of the dense architectures: shared-bottom none, omoe one, mmoe one per task. */
const GATES: Record<string, (tasks: number) => number> = { 'shared-bottom': () => 0, omoe: () => 1, mmoe: (t) => t };

/** initial: the stacked float32 values both float32 engines start from, by parameter name. */
export function trainer64(model: string, shape: FusedShape, initial: Record<string, Float32Array>, R: number, lr: number, epsilon = 1e-7): Trainer64 {
  const { inputDim: d, tasks: T, experts: E, expertUnits: H, towerUnits: U } = shape;
  const G = GATES[model](T);
  const A = G > 0 ? E * H : shape.bottomUnits; // first-layer ReLU columns
  const W = G > 0 ? H : A; // a tower's input width
  const first = G > 0 ? 'experts' : 'bottom';
  const p: Record<string, Float64Array> = Object.fromEntries(Object.entries(initial).map(([k, v]) => [k, Float64Array.from(v)]));
  const m = Object.fromEntries(Object.keys(p).map((k) => [k, new Float64Array(p[k].length)]));
  const v = Object.fromEntries(Object.keys(p).map((k) => [k, new Float64Array(p[k].length)]));
  // tf.train.adam's constants as float32 holds them; β^t from those, in float64
  const f = Math.fround, b1 = f(0.9), b2 = f(0.999), c1 = f(1 - 0.9), c2 = f(1 - 0.999), eps = f(epsilon), rate = f(lr);
  let t = 0;

  // replica r's slice of a parameter (its gradient has the same layout)
  const of = (a: Record<string, Float64Array>, name: string, r: number) => a[name].subarray((r * a[name].length) / R, ((r + 1) * a[name].length) / R);

  /** Loss and gradients of replica r (into g, zeroed here); returns its per-task MSE. */
  function replica(x: Float32Array, y: Float32Array, n: number, r: number, g: Record<string, Float64Array>): Float64Array {
    for (const k of Object.keys(g)) of(g, k, r).fill(0);
    const w1 = of(p, `${first}.w`, r), b1 = of(p, `${first}.b`, r), wg = G > 0 ? of(p, 'gates.w', r) : null;
    const gw1 = of(g, `${first}.w`, r), gb1 = of(g, `${first}.b`, r), gwg = G > 0 ? of(g, 'gates.w', r) : null;
    const mse = new Float64Array(T);
    const z = new Float64Array(A), dz = new Float64Array(A), gate = new Float64Array(G * E), dlogit = new Float64Array(G * E);
    const mix = new Float64Array(G * H), dmix = new Float64Array(G * H), hid = new Float64Array(U), din = new Float64Array(W);
    for (let b = 0; b < n; b++) {
      const xi = x.subarray((r * n + b) * d, (r * n + b + 1) * d);
      // first layer: ReLU(x·W1 + b1), and the gates' softmax(x·W_g) (eq. 8); rows of W in order (contiguous reads)
      z.set(b1);
      gate.fill(0);
      for (let i = 0; i < d; i++) {
        const xv = xi[i];
        for (let j = 0; j < A; j++) z[j] += xv * w1[i * A + j];
        for (let c = 0; c < G * E; c++) gate[c] += xv * wg![i * G * E + c];
      }
      for (let j = 0; j < A; j++) z[j] = Math.max(z[j], 0);
      for (let gi = 0; gi < G; gi++) {
        let max = -Infinity;
        for (let e = 0; e < E; e++) max = Math.max(max, gate[gi * E + e]);
        let sum = 0;
        for (let e = 0; e < E; e++) sum += (gate[gi * E + e] = Math.exp(gate[gi * E + e] - max));
        for (let e = 0; e < E; e++) gate[gi * E + e] /= sum;
        // eq. 7: the gate's mixture of the experts
        for (let h = 0; h < H; h++) {
          let s = 0;
          for (let e = 0; e < E; e++) s += gate[gi * E + e] * z[e * H + h];
          mix[gi * H + h] = s;
        }
      }
      dz.fill(0);
      dmix.fill(0);
      // towers: ReLU hidden layer, linear output, squared error; backward into the tower's input
      for (let k = 0; k < T; k++) {
        const gk = G === T ? k : 0;
        const input = G > 0 ? mix.subarray(gk * H, (gk + 1) * H) : z;
        const wh = of(p, `tower${k + 1}.hidden.w`, r), bh = of(p, `tower${k + 1}.hidden.b`, r), wo = of(p, `tower${k + 1}.out.w`, r), bo = of(p, `tower${k + 1}.out.b`, r);
        let pred = bo[0];
        for (let u = 0; u < U; u++) {
          let s = bh[u];
          for (let i = 0; i < W; i++) s += input[i] * wh[i * U + u];
          hid[u] = Math.max(s, 0);
          pred += hid[u] * wo[u];
        }
        const err = pred - y[(r * n + b) * T + k];
        mse[k] += (err * err) / n;
        const dp = (2 * err) / n;
        const gwh = of(g, `tower${k + 1}.hidden.w`, r), gbh = of(g, `tower${k + 1}.hidden.b`, r), gwo = of(g, `tower${k + 1}.out.w`, r);
        of(g, `tower${k + 1}.out.b`, r)[0] += dp;
        din.fill(0);
        for (let u = 0; u < U; u++) {
          gwo[u] += hid[u] * dp;
          if (hid[u] <= 0) continue;
          const dh = dp * wo[u];
          gbh[u] += dh;
          for (let i = 0; i < W; i++) {
            gwh[i * U + u] += input[i] * dh;
            din[i] += wh[i * U + u] * dh;
          }
        }
        const into = G > 0 ? dmix.subarray(gk * H, (gk + 1) * H) : dz;
        for (let i = 0; i < W; i++) into[i] += din[i];
      }
      // eq. 7–8 backward: into the experts' activations and the gate logits
      for (let gi = 0; gi < G; gi++) {
        let dot = 0;
        for (let e = 0; e < E; e++) {
          let s = 0;
          for (let h = 0; h < H; h++) {
            s += dmix[gi * H + h] * z[e * H + h];
            dz[e * H + h] += gate[gi * E + e] * dmix[gi * H + h];
          }
          dlogit[gi * E + e] = s;
          dot += gate[gi * E + e] * s;
        }
        for (let e = 0; e < E; e++) dlogit[gi * E + e] = gate[gi * E + e] * (dlogit[gi * E + e] - dot);
      }
      // the ReLU's mask, then x ⊗ dz into the first layer's weights, row by row
      for (let j = 0; j < A; j++) {
        if (z[j] <= 0) dz[j] = 0;
        gb1[j] += dz[j];
      }
      for (let i = 0; i < d; i++) {
        const xv = xi[i];
        for (let j = 0; j < A; j++) gw1[i * A + j] += xv * dz[j];
        for (let c = 0; c < G * E; c++) gwg![i * G * E + c] += xv * dlogit[c];
      }
    }
    return mse;
  }

  function lossAndGrad(x: Float32Array, y: Float32Array, n: number) {
    const g = Object.fromEntries(Object.keys(p).map((k) => [k, new Float64Array(p[k].length)]));
    const losses = new Float64Array(R * T);
    for (let r = 0; r < R; r++) losses.set(replica(x, y, n, r, g), r * T);
    return { losses, g };
  }

  return {
    step(x, y, batch) {
      const { losses, g } = lossAndGrad(x, y, batch);
      t++;
      const om1 = 1 - b1 ** t, om2 = 1 - b2 ** t;
      for (const k of Object.keys(p)) {
        const pk = p[k], gk = g[k], mk = m[k], vk = v[k];
        for (let i = 0; i < pk.length; i++) {
          mk[i] = b1 * mk[i] + c1 * gk[i];
          vk[i] = b2 * vk[i] + c2 * gk[i] * gk[i];
          pk[i] -= (rate * (mk[i] / om1)) / (Math.sqrt(vk[i] / om2) + eps);
        }
      }
      return losses;
    },
    gradients: (x, y, batch) => lossAndGrad(x, y, batch).g,
    parameters: () => p,
  };
}
