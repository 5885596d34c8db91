/**
 * Seedable pseudo-random generator for shuffling and weight initialisation:
 * xoshiro128** (Blackman & Vigna) over four 32-bit words, whose state is
 * filled from the seed by splitmix32. The state is four unsigned 32-bit
 * integers and can be saved with getState() and resumed with fromState().
 */

import { EdgetuneError } from '../errors.js';
export class RngError extends EdgetuneError {
  override name = 'RngError';
}

const TWO_POW_32 = 4294967296;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 step: advances `a` by the golden-ratio increment and mixes it to a uint32. */
function splitmix32(a: number): { next: number; value: number } {
  const next = (a + 0x9e3779b9) | 0;
  let z = next ^ (next >>> 16);
  z = Math.imul(z, 0x21f0aaad);
  z ^= z >>> 15;
  z = Math.imul(z, 0x735a2d97);
  z ^= z >>> 15;
  return { next, value: z >>> 0 };
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** Seeds from an integer; seeds equal modulo 2^32 give the same sequence. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RngError(`Rng: seed must be a safe integer, got ${seed}`);
    let a = seed | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = splitmix32(a);
      a = r.next;
      words.push(r.value);
    }
    this.setWords(words);
    // xoshiro must not start from the all-zero state
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  private setWords(words: readonly number[]): void {
    this.s0 = words[0]! | 0;
    this.s1 = words[1]! | 0;
    this.s2 = words[2]! | 0;
    this.s3 = words[3]! | 0;
  }

  /** Next raw xoshiro128** output, an unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform float in [0, 1): nextUint32() / 2^32. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /**
   * Standard normal sample by the Box–Muller transform:
   * √(−2 ln u1)·cos(2π u2) with u1 ∈ (0, 1]. Consumes exactly two uniforms
   * per call and keeps no spare, so the state stays four words.
   */
  normal(): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place (j uniform in [0, i] for i = n−1 … 1); returns `a`. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
    return a;
  }

  /** A uniformly random permutation of 0 … n−1 (the identity shuffled as by shuffle()). */
  permutation(n: number): Int32Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff) {
      throw new RngError(`Rng.permutation: n must be an integer in [0, 2^31), got ${n}`);
    }
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const tmp = p[i]!;
      p[i] = p[j]!;
      p[j] = tmp;
    }
    return p;
  }

  /** The four state words as unsigned 32-bit integers. */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Resumes exactly where getState() was taken. */
  static fromState(s: number[]): Rng {
    if (s.length !== 4 || !s.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RngError(`Rng.fromState: state must be four unsigned 32-bit integers, got [${s.join(',')}]`);
    }
    if (s.every((w) => w === 0)) throw new RngError('Rng.fromState: the all-zero state is invalid for xoshiro128**');
    const r = new Rng(0);
    r.setWords(s);
    return r;
  }

  /**
   * A generator of its own for one item of a seeded run (e.g. the batch at
   * epoch e, index b: forKey(seed, e, b)): the seed and each key are folded in
   * turn through splitmix32, so any two keys give unrelated streams and the
   * same keys always the same one, whatever came before.
   */
  static forKey(seed: number, ...keys: number[]): Rng {
    if (!Number.isSafeInteger(seed) || !keys.every((k) => Number.isSafeInteger(k))) {
      throw new RngError(`Rng.forKey: seed and keys must be safe integers, got ${[seed, ...keys].join(', ')}`);
    }
    let h = splitmix32(seed | 0).value;
    for (const k of keys) h = splitmix32((h ^ (k | 0)) | 0).value;
    return new Rng(h);
  }
}
