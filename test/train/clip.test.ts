import { describe, expect, it } from 'vitest';
import { clipByGlobalNorm, ClipError, globalNorm } from '../../src/train/clip.js';

describe('globalNorm', () => {
  it('is the L2 norm over all tensors', () => {
    // sqrt(9 + 16 + 144) = 13
    expect(globalNorm([Float32Array.of(3, 4), Float32Array.of(12)])).toBe(13);
    expect(globalNorm([])).toBe(0);
  });

  it('accumulates in float64, so squares beyond float32 range do not overflow', () => {
    const x = Math.fround(1e20);
    expect(globalNorm([Float32Array.of(1e20, 1e20)]) / (x * Math.SQRT2)).toBeCloseTo(1, 12);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales by maxNorm/(norm + 1e-6) when the norm exceeds maxNorm', () => {
    const g = [Float32Array.of(3, 4), Float32Array.of(12)];
    const r = clipByGlobalNorm(g, 6.5);
    expect(r.norm).toBe(13);
    expect(r.scaled).toBe(true);
    const f = 6.5 / (13 + 1e-6);
    expect(r.grads[0]![0]).toBeCloseTo(3 * f, 6);
    expect(r.grads[0]![1]).toBeCloseTo(4 * f, 6);
    expect(r.grads[1]![0]).toBeCloseTo(12 * f, 6);
    expect(globalNorm(r.grads)).toBeLessThanOrEqual(6.5);
    // inputs untouched
    expect(g[0]).toEqual(Float32Array.of(3, 4));
    expect(g[1]).toEqual(Float32Array.of(12));
  });

  it('copies without scaling when the norm is within maxNorm', () => {
    const g = [Float32Array.of(3, 4)];
    const r = clipByGlobalNorm(g, 5);
    expect(r).toEqual({ grads: [Float32Array.of(3, 4)], norm: 5, scaled: false });
    expect(r.grads[0]).not.toBe(g[0]);
  });

  it('reports a non-finite norm without scaling', () => {
    const r = clipByGlobalNorm([Float32Array.of(1, Number.NaN)], 1);
    expect(r.norm).toBeNaN();
    expect(r.scaled).toBe(false);
    const inf = clipByGlobalNorm([Float32Array.of(Number.POSITIVE_INFINITY, 1)], 1);
    expect(inf.norm).toBe(Number.POSITIVE_INFINITY);
    expect(inf.scaled).toBe(false);
  });

  it('rejects a non-positive maxNorm', () => {
    expect(() => clipByGlobalNorm([Float32Array.of(1)], 0)).toThrow(ClipError);
    expect(() => clipByGlobalNorm([Float32Array.of(1)], Number.NaN)).toThrow(/maxNorm/);
  });
});
