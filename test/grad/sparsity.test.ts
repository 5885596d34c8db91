import { describe, it, expect } from 'vitest';
import { InputError } from '../../src/errors.js';
import { entropyPenalty, paperL1Penalty } from '../../src/grad/sparsity.js';
import { randomFloats, seeded } from '../helpers/random.js';

/** softmax over axis 0 of c [I,J], in float64, written independently of the library. */
function alphaOf(c: ArrayLike<number>, I: number, J: number): number[] {
  const a = new Array<number>(I * J).fill(0);
  for (let j = 0; j < J; j++) {
    let s = 0;
    for (let i = 0; i < I; i++) s += Math.exp(c[i * J + j]!);
    for (let i = 0; i < I; i++) a[i * J + j] = Math.exp(c[i * J + j]!) / s;
  }
  return a;
}

function entropy(c: ArrayLike<number>, I: number, J: number, lambda: number): number {
  return -lambda * alphaOf(c, I, J).reduce((s, a) => s + a * Math.log(a), 0);
}

function maxAlpha(c: ArrayLike<number>, I: number, J: number): number[] {
  const a = alphaOf(c, I, J);
  return Array.from({ length: J }, (_, j) => Math.max(...Array.from({ length: I }, (_, i) => a[i * J + j]!)));
}

describe('paper L1 penalty on softmax weights', () => {
  it('is the constant λ·J with a zero gradient, whatever c is', () => {
    const rng = seeded(2);
    for (const [I, J, lambda] of [[3, 4, 0.1], [6, 16, 2.5], [2, 1, 1]] as const) {
      for (let trial = 0; trial < 3; trial++) {
        const c = randomFloats(rng, I * J, -4, 4);
        const { value, gradC } = paperL1Penalty(c, I, J, lambda);
        expect(value).toBeCloseTo(lambda * J, 10);
        expect(gradC.length).toBe(I * J);
        for (const g of gradC) expect(Math.abs(g)).toBeLessThan(1e-6);
      }
    }
  });
});

describe('entropy penalty on softmax weights', () => {
  it('value is −λ Σ α log α', () => {
    const c = randomFloats(seeded(4), 12, -2, 2);
    expect(entropyPenalty(c, 4, 3, 0.7).value).toBeCloseTo(entropy(c, 4, 3, 0.7), 6);
  });

  it('gradient matches central differences of the float64 entropy', () => {
    const rng = seeded(8);
    for (const [I, J, lambda] of [[3, 4, 0.5], [5, 2, 2]] as const) {
      const c = randomFloats(rng, I * J, -2, 2);
      const { gradC } = entropyPenalty(c, I, J, lambda);
      const c64 = Float64Array.from(c);
      const h = 1e-5;
      for (let k = 0; k < I * J; k++) {
        const up = c64.slice(); up[k]! += h;
        const dn = c64.slice(); dn[k]! -= h;
        const numeric = (entropy(up, I, J, lambda) - entropy(dn, I, J, lambda)) / (2 * h);
        expect(gradC[k]!).toBeCloseTo(numeric, 5);
      }
    }
  });

  it('a few gradient steps on the entropy make α sparser (max α grows in every column)', () => {
    const [I, J] = [4, 3];
    let c = randomFloats(seeded(13), I * J, -0.5, 0.5);
    const before = maxAlpha(c, I, J);
    const e0 = entropyPenalty(c, I, J, 1).value;
    for (let step = 0; step < 20; step++) {
      const { gradC } = entropyPenalty(c, I, J, 1);
      c = c.map((v, k) => v - 2 * gradC[k]!);
    }
    const after = maxAlpha(c, I, J);
    after.forEach((m, j) => expect(m).toBeGreaterThan(before[j]! + 0.05));
    expect(entropyPenalty(c, I, J, 1).value).toBeLessThan(e0);
  });

  it('rejects c of the wrong size', () => {
    expect(() => entropyPenalty(new Float32Array(5), 2, 3, 1)).toThrow(InputError);
    expect(() => paperL1Penalty(new Float32Array(5), 2, 3, 1)).toThrow(/c has 5 values/);
  });
});
