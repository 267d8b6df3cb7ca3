// Every random draw in mmoe-sweep comes from here: seeded streams, never Math.random.
// Data stream 2: xoshiro128** (Blackman–Vigna 2018) on 32-bit integer arithmetic, normals by
// Marsaglia–Tsang's ziggurat (J. Stat. Softw. 5(8), 2000) with 128 layers, the layer index
// drawn from bits the value does not use (Doornik 2005's fix). Integer steps, and a table built
// from Math.exp/Math.log/Math.sqrt (V8's fdlibm ports), give the same draws on every machine.

export interface Stream {
  /** Uniform in [0, 1), in steps of 2⁻³². */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
}

/** What `stream` returns: a Stream whose 128-bit xoshiro state the bulk fills read directly. */
interface XoshiroStream extends Stream {
  readonly state: Int32Array;
}

/** FNV-1a over a string: a stable 32-bit seed from any key, identical on every machine. */
export function hashSeed(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // one xorshift round so keys that differ in the last character spread over all bits
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** The four state words from a 32-bit seed: splitmix32 steps (a Weyl sequence through murmur3's finalizer). */
export function seedState(seed: number): Int32Array {
  const st = new Int32Array(4);
  let h = seed | 0;
  for (let i = 0; i < 4; i++) {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    st[i] = z ^ (z >>> 16);
  }
  if ((st[0] | st[1] | st[2] | st[3]) === 0) st[0] = 1; // the one state xoshiro never leaves
  return st;
}

/** One xoshiro128** step: the next 32-bit output (as a signed int32), state advanced in place. */
function next(st: Int32Array): number {
  const s0 = st[0], s1 = st[1];
  let s2 = st[2], s3 = st[3];
  const m = Math.imul(s1, 5);
  const out = Math.imul((m << 7) | (m >>> 25), 9);
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  st[0] = s0 ^ s3;
  st[1] = s1 ^ s2;
  st[2] = s2 ^ t;
  st[3] = (s3 << 11) | (s3 >>> 21);
  return out;
}

const TWO_32 = 2 ** -32;

// ---- the ziggurat table ------------------------------------------------------------------
// 128 layers of equal area V under f(x) = exp(−x²/2), x ≥ 0; layer 0 is the base strip plus the
// tail beyond R. A 32-bit draw gives the layer (its low 7 bits) and a signed 25-bit integer j
// (the other bits): x = j·width[i], accepted at once when |j| < inner[i], i.e. inside the
// rectangle that lies wholly under the curve (98.8% of draws).
const LAYERS = 128;
const R = 3.442619855899;
const V = 9.91256303526217e-3;
const SCALE = 2 ** 24;
/** Right edge of each layer over 2²⁴ (layer 0: the base's width V/f(R), so the tail is folded in). */
const width = new Float64Array(LAYERS);
/** |j| below this lies under the curve in every column of the layer. */
const inner = new Int32Array(LAYERS);
/** f at each layer's right edge; layer i spans heights [height[i], height[i − 1]]. */
const height = new Float64Array(LAYERS);
{
  const f = (x: number) => Math.exp(-0.5 * x * x);
  const base = V / f(R);
  let x = R;
  width[0] = base / SCALE;
  width[LAYERS - 1] = R / SCALE;
  inner[0] = Math.floor((R / base) * SCALE);
  inner[1] = 0;
  height[0] = 1;
  height[LAYERS - 1] = f(R);
  for (let i = LAYERS - 2; i >= 1; i--) {
    const below = x;
    x = Math.sqrt(-2 * Math.log(V / x + f(x))); // the edge whose layer above has area V
    inner[i + 1] = Math.floor((x / below) * SCALE);
    width[i] = x / SCALE;
    height[i] = f(x);
  }
}

/** The 1.2% of draws outside the inner rectangles: the tail (layer 0) or the wedge test. */
function rejected(st: Int32Array, j: number, i: number): number {
  for (;;) {
    if (i === 0) {
      // Marsaglia's tail: x = −ln(u1)/R accepted when −2 ln(u2) > x²
      let x: number, y: number;
      do {
        x = -Math.log(1 - (next(st) >>> 0) * TWO_32) / R;
        y = -Math.log(1 - (next(st) >>> 0) * TWO_32);
      } while (y + y < x * x);
      return j > 0 ? R + x : -R - x;
    }
    const x = j * width[i];
    const u = (next(st) >>> 0) * TWO_32;
    if (height[i] + u * (height[i - 1] - height[i]) < Math.exp(-0.5 * x * x)) return x;
    const b = next(st);
    i = b & (LAYERS - 1);
    j = b >> 7;
    if (Math.abs(j) < inner[i]) return j * width[i];
  }
}

function normalFrom(st: Int32Array): number {
  const b = next(st);
  const i = b & (LAYERS - 1);
  const j = b >> 7;
  if (Math.abs(j) < inner[i]) return j * width[i];
  return rejected(st, j, i);
}

/** A named, reproducible stream: the same key gives the same draws. */
export function stream(key: string): Stream {
  return streamFromState(seedState(hashSeed(key)));
}

/** A stream that starts from (and advances) the given xoshiro128** state: the published test vectors start here. */
export function streamFromState(state: Int32Array): Stream {
  const s: XoshiroStream = {
    state,
    uniform: () => (next(state) >>> 0) * TWO_32,
    normal: () => normalFrom(state),
  };
  return s;
}

const stateOf = (s: Stream): Int32Array | null => ((s as XoshiroStream).state instanceof Int32Array ? (s as XoshiroStream).state : null);

/**
 * out[k] = std·s.normal() for k in [from, to): the same values as that many calls of normal(). The
 * data generator's hot path: the ziggurat on the state array directly, no call through the closure.
 */
export function fillNormal<T extends Float32Array | Float64Array>(s: Stream, out: T, std = 1, from = 0, to = out.length): T {
  const st = stateOf(s);
  if (st) for (let k = from; k < to; k++) out[k] = normalFrom(st) * std;
  else for (let k = from; k < to; k++) out[k] = s.normal() * std;
  return out;
}

/** out[k] = s.uniform() for every k, in bulk: the same values as out.length calls. */
export function fillUniform<T extends Float32Array | Float64Array>(s: Stream, out: T): T {
  const st = stateOf(s);
  if (st) for (let k = 0; k < out.length; k++) out[k] = (next(st) >>> 0) * TWO_32;
  else for (let k = 0; k < out.length; k++) out[k] = s.uniform();
  return out;
}
