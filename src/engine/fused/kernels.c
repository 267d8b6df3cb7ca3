// The fused engine's products, elementwise and per-row passes, in wasm SIMD (128-bit, 4 floats a lane).
// Pointers are byte offsets into the memory the module imports: one fused group's arena
// (src/engine/fused/arena.ts), where it keeps parameters, moments, activations and gradients.
// No libc, no globals, no stack: the module uses no memory but what it is handed.
//
// Rebuild (clang 14+, lld; Debian: apt-get install clang-14 lld-14), then commit both files:
//   node src/engine/fused/build-kernels.js
#include <wasm_simd128.h>

typedef float f32;
#define EXPORT __attribute__((visibility("default")))
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store(p, v)
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul
#define SPLAT wasm_f32x4_splat

// z[r, c] = relu(z[r, c] + b[c]); max keeps a NaN, so a diverged run stays visible
EXPORT void bias_relu(f32 *z, int stride, const f32 *b, int cols, int n) {
  for (int r = 0; r < n; r++) {
    f32 *row = z + r * stride;
    int c = 0;
    for (; c + 4 <= cols; c += 4) ST(row + c, wasm_f32x4_max(ADD(LD(row + c), LD(b + c)), SPLAT(0)));
    for (; c < cols; c++) {
      f32 v = row[c] + b[c];
      row[c] = v > 0 || v != v ? v : 0;
    }
  }
}

// dz[r, c] = z[r, c] > 0 ? dz[r, c] : 0 (z after the ReLU); db[c] = Σ_r dz[r, c]
EXPORT void relu_bwd(const f32 *z, f32 *dz, int stride, int cols, int n, f32 *db) {
  for (int c = 0; c < cols; c++) db[c] = 0;
  for (int r = 0; r < n; r++) {
    const f32 *zr = z + r * stride;
    f32 *dr = dz + r * stride;
    int c = 0;
    for (; c + 4 <= cols; c += 4) {
      v128_t d = wasm_v128_and(LD(dr + c), wasm_f32x4_gt(LD(zr + c), SPLAT(0)));
      ST(dr + c, d);
      ST(db + c, ADD(LD(db + c), d));
    }
    for (; c < cols; c++) {
      f32 d = zr[c] > 0 ? dr[c] : 0;
      dr[c] = d;
      db[c] += d;
    }
  }
}

// eq. 7 for every row b and gate g: mix[g][b][h] = Σ_e gate[b, g, e] · expert[b, e, h].
// Row b of z: experts' activations [E·H], then softmax gates [G·E] from column A.
EXPORT void mix_fwd(const f32 *z, int N1, int A, int E, int H, int G, int n, f32 *mix) {
  for (int b = 0; b < n; b++) {
    const f32 *zr = z + b * N1;
    for (int g = 0; g < G; g++) {
      const f32 *gate = zr + A + g * E;
      f32 *o = mix + (g * n + b) * H;
      int h = 0;
      for (; h + 4 <= H; h += 4) {
        v128_t s = MUL(SPLAT(gate[0]), LD(zr + h));
        for (int e = 1; e < E; e++) s = ADD(s, MUL(SPLAT(gate[e]), LD(zr + e * H + h)));
        ST(o + h, s);
      }
      for (; h < H; h++) {
        f32 s = gate[0] * zr[h];
        for (int e = 1; e < E; e++) s += gate[e] * zr[e * H + h];
        o[h] = s;
      }
    }
  }
}

// eq. 7 and 8 backward for every row: d expert[e, h] = Σ_g gate[g, e] · dmix[g][h] (before the
// ReLU's mask: relu_bwd applies it), d logit[g, e] = gate · (d gate − Σ_e' gate · d gate) with
// d gate[g, e] = Σ_h dmix[g][h] · expert[e, h]. Written into dz, laid out as z.
EXPORT void mix_bwd(const f32 *z, f32 *dz, int N1, int A, int E, int H, int G, int n, const f32 *dmix) {
  for (int b = 0; b < n; b++) {
    const f32 *zr = z + b * N1;
    f32 *dr = dz + b * N1;
    for (int e = 0; e < E; e++) {
      const f32 *he = zr + e * H;
      f32 *de = dr + e * H;
      int h = 0;
      for (; h + 4 <= H; h += 4) {
        v128_t s = SPLAT(0);
        for (int g = 0; g < G; g++) s = ADD(s, MUL(SPLAT(zr[A + g * E + e]), LD(dmix + (g * n + b) * H + h)));
        ST(de + h, s);
      }
      for (; h < H; h++) {
        f32 s = 0;
        for (int g = 0; g < G; g++) s += zr[A + g * E + e] * dmix[(g * n + b) * H + h];
        de[h] = s;
      }
      for (int g = 0; g < G; g++) {
        const f32 *dm = dmix + (g * n + b) * H;
        v128_t s = SPLAT(0);
        int k = 0;
        for (; k + 4 <= H; k += 4) s = ADD(s, MUL(LD(dm + k), LD(he + k)));
        f32 t = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) + (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
        for (; k < H; k++) t += dm[k] * he[k];
        dr[A + g * E + e] = t;
      }
    }
    for (int g = 0; g < G; g++) {
      const f32 *l = zr + A + g * E;
      f32 *dl = dr + A + g * E;
      f32 s = 0;
      for (int e = 0; e < E; e++) s += l[e] * dl[e];
      for (int e = 0; e < E; e++) dl[e] = l[e] * (dl[e] - s);
    }
  }
}

// Adam in float32 in tf.train.adam's order (m' = m·β1 + g·(1−β1), v' = v·β2 + g²·(1−β2),
// p' = (m'/om1) / (sqrt(v'/om2) + ε) · (−lr) + p, om_i = 1 − β_i^t): the same bits as tfjs's.
EXPORT void adam(f32 *p, const f32 *g, f32 *m, f32 *v, int n, f32 b1, f32 b2, f32 c1, f32 c2, f32 om1, f32 om2, f32 eps, f32 negLr) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    v128_t gi = LD(g + i);
    v128_t mi = ADD(MUL(LD(m + i), SPLAT(b1)), MUL(gi, SPLAT(c1)));
    v128_t vi = ADD(MUL(LD(v + i), SPLAT(b2)), MUL(MUL(gi, gi), SPLAT(c2)));
    ST(m + i, mi);
    ST(v + i, vi);
    v128_t step = wasm_f32x4_div(wasm_f32x4_div(mi, SPLAT(om1)), ADD(wasm_f32x4_sqrt(wasm_f32x4_div(vi, SPLAT(om2))), SPLAT(eps)));
    ST(p + i, ADD(MUL(step, SPLAT(negLr)), LD(p + i)));
  }
  for (; i < n; i++) {
    f32 gi = g[i];
    f32 mi = m[i] * b1 + gi * c1, vi = v[i] * b2 + (gi * gi) * c2;
    m[i] = mi;
    v[i] = vi;
    p[i] = ((mi / om1) / (__builtin_sqrtf(vi / om2) + eps)) * negLr + p[i];
  }
}

// t[cols, rows] = a[rows, cols]ᵀ (a product's b operand as gemm wants it)
EXPORT void transpose(const f32 *a, f32 *t, int rows, int cols) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
}

// o[M, N] = op(a) · b, b row-major [K, N]; op(a) = a [M, K] (ta = 0) or aᵀ with a [K, M] (ta = 1).
// Tiles of 4 rows × 8 columns in registers; every output sums over k in order, whatever its
// tile, so a row's result never depends on M (nor a replica's on its group).
EXPORT void gemm(const f32 *a, const f32 *b, f32 *o, int M, int K, int N, int ta) {
  const int si = ta ? 1 : K, sk = ta ? M : 1; // a(i, k) = a[i * si + k * sk]
  int i = 0;
  for (; i + 4 <= M; i += 4) {
    const f32 *a0 = a + i * si, *a1 = a0 + si, *a2 = a1 + si, *a3 = a2 + si;
    int j = 0;
    for (; j + 8 <= N; j += 8) {
      v128_t c00 = SPLAT(0), c01 = SPLAT(0), c10 = SPLAT(0), c11 = SPLAT(0);
      v128_t c20 = SPLAT(0), c21 = SPLAT(0), c30 = SPLAT(0), c31 = SPLAT(0);
      const f32 *bk = b + j;
      for (int k = 0; k < K; k++, bk += N) {
        v128_t b0 = LD(bk), b1 = LD(bk + 4), s;
        s = SPLAT(a0[k * sk]); c00 = ADD(c00, MUL(s, b0)); c01 = ADD(c01, MUL(s, b1));
        s = SPLAT(a1[k * sk]); c10 = ADD(c10, MUL(s, b0)); c11 = ADD(c11, MUL(s, b1));
        s = SPLAT(a2[k * sk]); c20 = ADD(c20, MUL(s, b0)); c21 = ADD(c21, MUL(s, b1));
        s = SPLAT(a3[k * sk]); c30 = ADD(c30, MUL(s, b0)); c31 = ADD(c31, MUL(s, b1));
      }
      f32 *or = o + i * N + j;
      ST(or, c00); ST(or + 4, c01); or += N;
      ST(or, c10); ST(or + 4, c11); or += N;
      ST(or, c20); ST(or + 4, c21); or += N;
      ST(or, c30); ST(or + 4, c31);
    }
    for (; j + 4 <= N; j += 4) {
      v128_t c0 = SPLAT(0), c1 = SPLAT(0), c2 = SPLAT(0), c3 = SPLAT(0);
      const f32 *bk = b + j;
      for (int k = 0; k < K; k++, bk += N) {
        v128_t b0 = LD(bk);
        c0 = ADD(c0, MUL(SPLAT(a0[k * sk]), b0));
        c1 = ADD(c1, MUL(SPLAT(a1[k * sk]), b0));
        c2 = ADD(c2, MUL(SPLAT(a2[k * sk]), b0));
        c3 = ADD(c3, MUL(SPLAT(a3[k * sk]), b0));
      }
      f32 *or = o + i * N + j;
      ST(or, c0); ST(or + N, c1); ST(or + 2 * N, c2); ST(or + 3 * N, c3);
    }
    for (; j < N; j++) {
      f32 c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (int k = 0; k < K; k++) {
        f32 bv = b[k * N + j];
        c0 += a0[k * sk] * bv; c1 += a1[k * sk] * bv; c2 += a2[k * sk] * bv; c3 += a3[k * sk] * bv;
      }
      o[i * N + j] = c0; o[(i + 1) * N + j] = c1; o[(i + 2) * N + j] = c2; o[(i + 3) * N + j] = c3;
    }
  }
  for (; i < M; i++) {
    const f32 *ai = a + i * si;
    int j = 0;
    for (; j + 4 <= N; j += 4) {
      v128_t c = SPLAT(0);
      for (int k = 0; k < K; k++) c = ADD(c, MUL(SPLAT(ai[k * sk]), LD(b + k * N + j)));
      ST(o + i * N + j, c);
    }
    for (; j < N; j++) {
      f32 c = 0;
      for (int k = 0; k < K; k++) c += ai[k * sk] * b[k * N + j];
      o[i * N + j] = c;
    }
  }
}

// The towers' linear outputs and squared errors for one group of J tasks reading t1 [n, J·U]
// (after the ReLU); task j's U output weights and bias at wob + j·(U+1); its labels in column
// k0 + j of y [n, T]; sse[j] += Σ_b (pred − y)². With backward: the output layer's gradients
// (same layout as wob) from d pred = 2·(pred − y)/n, d t1 = (t1 > 0)·d pred·w, gbh = Σ_b d t1.
EXPORT void tower_out(const f32 *t1, int n, int U, int J, const f32 *wob, const f32 *y, int T, int k0,
                      double *sse, int backward, f32 *dt1, f32 *gwob, f32 *gbh) {
  const int C = J * U;
  for (int j = 0; j < J; j++) {
    const f32 *w = wob + j * (U + 1);
    f32 *gw = gwob + j * (U + 1), *gb = gbh + j * U;
    if (backward) {
      for (int u = 0; u <= U; u++) gw[u] = 0;
      for (int u = 0; u < U; u++) gb[u] = 0;
    }
    double s = 0;
    for (int b = 0; b < n; b++) {
      const f32 *t = t1 + b * C + j * U;
      f32 p = w[U];
      for (int u = 0; u < U; u++) p += t[u] * w[u];
      const double e = (double)p - (double)y[b * T + k0 + j];
      s += e * e;
      if (!backward) continue;
      const f32 dp = (f32)(2 * e / n);
      f32 *dt = dt1 + b * C + j * U;
      gw[U] += dp;
      for (int u = 0; u < U; u++) {
        gw[u] += t[u] * dp;
        const f32 dv = t[u] > 0 ? dp * w[u] : 0;
        dt[u] = dv;
        gb[u] += dv;
      }
    }
    sse[j] += s;
  }
}

// e^x for x ≤ 0, four at a time (Cephes' expf: x = n·ln2 + r, |r| ≤ ln2/2, degree-5 polynomial
// for (e^r − 1 − r)/r², 2^n from the exponent bits): within 2 ulp of e^x; e^x for x < −87 is
// taken as e^−87 (the softmax's inputs are ≤ 0 and such terms vanish beside its e^0 = 1).
static inline v128_t exp4(v128_t x) {
  x = wasm_f32x4_max(x, SPLAT(-87.0f));
  const v128_t n = wasm_f32x4_nearest(MUL(x, SPLAT(1.44269504088896341f)));
  v128_t r = wasm_f32x4_sub(x, MUL(n, SPLAT(0.693359375f)));
  r = wasm_f32x4_sub(r, MUL(n, SPLAT(-2.12194440e-4f)));
  v128_t p = SPLAT(1.9875691500e-4f);
  p = ADD(MUL(p, r), SPLAT(1.3981999507e-3f));
  p = ADD(MUL(p, r), SPLAT(8.3334519073e-3f));
  p = ADD(MUL(p, r), SPLAT(4.1665795894e-2f));
  p = ADD(MUL(p, r), SPLAT(1.6666665459e-1f));
  p = ADD(MUL(p, r), SPLAT(5.0000001201e-1f));
  p = ADD(ADD(MUL(MUL(p, r), r), r), SPLAT(1.0f));
  const v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return MUL(p, scale);
}

// eq. 8: softmax over each row's G groups of E logits at column A of z [n, N1], in place
EXPORT void softmax(f32 *z, int N1, int A, int E, int G, int n) {
  for (int b = 0; b < n; b++) {
    for (int g = 0; g < G; g++) {
      f32 *l = z + b * N1 + A + g * E;
      f32 max = l[0];
      for (int e = 1; e < E; e++) max = l[e] > max ? l[e] : max;
      f32 sum = 0;
      int e = 0;
      for (; e + 4 <= E; e += 4) {
        const v128_t v = exp4(wasm_f32x4_sub(LD(l + e), SPLAT(max)));
        ST(l + e, v);
        sum += (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) + (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
      }
      for (; e < E; e++) {
        l[e] = wasm_f32x4_extract_lane(exp4(SPLAT(l[e] - max)), 0);
        sum += l[e];
      }
      const f32 inv = 1 / sum;
      for (e = 0; e < E; e++) l[e] *= inv;
    }
  }
}

// A gated mixture over J experts of H units each, for architectures whose gates read a subset of
// the experts (CGC/PLE, Tang et al. 2020 eq. 2–4): m[b, h] (+)= Σ_j g[b·gs + j] · x[b·xs + j·H + h].
// g and x point at a row's first gate weight and first expert unit (column offsets included);
// acc = 0 writes m, 1 adds to it (a gate over two expert ranges is two calls, own then shared).
EXPORT void gmix_fwd(const f32 *g, int gs, const f32 *x, int xs, int J, int H, int n, f32 *m, int acc) {
  for (int b = 0; b < n; b++) {
    const f32 *gr = g + b * gs, *xr = x + b * xs;
    f32 *o = m + b * H;
    int h = 0;
    for (; h + 4 <= H; h += 4) {
      v128_t s = acc ? LD(o + h) : SPLAT(0);
      for (int j = 0; j < J; j++) s = ADD(s, MUL(SPLAT(gr[j]), LD(xr + j * H + h)));
      ST(o + h, s);
    }
    for (; h < H; h++) {
      f32 s = acc ? o[h] : 0;
      for (int j = 0; j < J; j++) s += gr[j] * xr[j * H + h];
      o[h] = s;
    }
  }
}

// gmix_fwd backward, accumulating (an expert may feed several gates): dx[b, j, h] += g[b, j] · dm[b, h],
// dg[b, j] += Σ_h dm[b, h] · x[b, j, h]. dg and dx are laid out as g and x.
EXPORT void gmix_bwd(const f32 *g, f32 *dg, int gs, const f32 *x, f32 *dx, int xs, int J, int H, int n, const f32 *dm) {
  for (int b = 0; b < n; b++) {
    const f32 *gr = g + b * gs, *xr = x + b * xs, *dmr = dm + b * H;
    f32 *dgr = dg + b * gs, *dxr = dx + b * xs;
    for (int j = 0; j < J; j++) {
      const f32 *xe = xr + j * H;
      f32 *de = dxr + j * H;
      const v128_t gj = SPLAT(gr[j]);
      v128_t s = SPLAT(0);
      int h = 0;
      for (; h + 4 <= H; h += 4) {
        const v128_t d = LD(dmr + h);
        ST(de + h, ADD(LD(de + h), MUL(gj, d)));
        s = ADD(s, MUL(d, LD(xe + h)));
      }
      f32 t = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) + (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
      for (; h < H; h++) {
        de[h] += gr[j] * dmr[h];
        t += dmr[h] * xe[h];
      }
      dgr[j] += t;
    }
  }
}

// eq. 8 backward for G softmax groups of E weights per row (z: the softmax's output, dz: its
// gradient, both at the first gate's column, rows `stride` apart), in place: dl = l · (dl − Σ_e l · dl)
EXPORT void softmax_bwd(const f32 *z, f32 *dz, int stride, int E, int G, int n) {
  for (int b = 0; b < n; b++) {
    for (int g = 0; g < G; g++) {
      const f32 *l = z + b * stride + g * E;
      f32 *dl = dz + b * stride + g * E;
      f32 s = 0;
      for (int e = 0; e < E; e++) s += l[e] * dl[e];
      for (int e = 0; e < E; e++) dl[e] = l[e] * (dl[e] - s);
    }
  }
}

// o[i] = (acc ? o[i] : 0) + a · x[i] for i < n (a cross-stitch unit's term, Misra et al. eq. 1)
EXPORT void axpy(f32 *o, const f32 *x, f32 a, int n, int acc) {
  const v128_t av = SPLAT(a);
  int i = 0;
  for (; i + 4 <= n; i += 4) ST(o + i, ADD(acc ? LD(o + i) : SPLAT(0), MUL(av, LD(x + i))));
  for (; i < n; i++) o[i] = (acc ? o[i] : 0) + a * x[i];
}

// Σ_i a[i] · b[i] for i < n, four running sums then their total (a cross-stitch weight's gradient)
EXPORT f32 dot(const f32 *a, const f32 *b, int n) {
  v128_t s = SPLAT(0);
  int i = 0;
  for (; i + 4 <= n; i += 4) s = ADD(s, MUL(LD(a + i), LD(b + i)));
  f32 t = (wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1)) + (wasm_f32x4_extract_lane(s, 2) + wasm_f32x4_extract_lane(s, 3));
  for (; i < n; i++) t += a[i] * b[i];
  return t;
}
