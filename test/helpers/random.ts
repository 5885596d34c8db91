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

/** A [dims] tensor of floats uniform in [lo, hi). */
export function randomTensor(rng: Rng, dims: readonly number[], lo = -1, hi = 1): { dims: number[]; data: Float32Array } {
  return { dims: [...dims], data: randomFloats(rng, dims.reduce((a, b) => a * b, 1), lo, hi) };
}

/**
 * n floats uniform in [lo, hi) that stay at least `gap` from every kink, so a
 * central difference around any of them never straddles one (rejection
 * sampling from Rng(seed)).
 */
export function awayFrom(n: number, lo: number, hi: number, kinks: number[], gap = 0.15, seed = 5): Float32Array {
  const rng = seeded(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ) {
    const v = lo + (hi - lo) * rng.next();
    if (kinks.every((k) => Math.abs(v - k) >= gap)) out[i++] = v;
  }
  return out;
}

/**
 * n distinct values 0.05 apart in random order (a Fisher–Yates shuffle of
 * (k − n/2)·0.05, k = 0..n−1): no ties, and for n < 200 every gap exceeds the
 * gradient check's perturbation, so no maximum changes while it probes.
 */
export function distinctValues(n: number, seed: number): number[] {
  const rng = seeded(seed);
  const v = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v.map((k) => (k - n / 2) * 0.05);
}
