// Every random draw in mmoe-sweep comes from here: seeded streams, never Math.random.
import seedrandom from 'seedrandom';

export interface Stream {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal N(0, 1). */
  normal(): number;
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

/** A named, reproducible stream: the same key gives the same draws. */
export function stream(key: string): Stream {
  const rng = seedrandom.alea(key);
  let spare: number | null = null;
  return {
    uniform: () => rng(),
    // Box–Muller, both values used
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = rng();
      const v = rng();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

export function fillNormal(s: Stream, out: Float32Array, std = 1): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = s.normal() * std;
  return out;
}
