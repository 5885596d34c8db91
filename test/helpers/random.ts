/**
 * Seeded random arrays for tests, drawn from the project's xoshiro128** Rng so
 * every run sees the same values.
 */
import { Rng } from '../../src/train/rng.js';

/** n floats uniform in [lo, hi). */
export function randomFloats(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}

/** n integers uniform in [lo, hi] (both ends included). */
export function randomInts(rng: Rng, n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, () => lo + Math.floor(rng.next() * (hi - lo + 1)));
}

/** n bits, each 1 with probability p. */
export function randomBits(rng: Rng, n: number, p = 0.5): number[] {
  return Array.from({ length: n }, () => (rng.next() < p ? 1 : 0));
}

/** n random bytes. */
export function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextUint32() & 0xff;
  return out;
}

/** A fresh generator; each test file picks its own seed. */
export function seeded(seed: number): Rng {
  return new Rng(seed);
}
