import { describe, expect, it } from 'vitest';
import { chain, erfOf } from '../../../src/grad/rules/unary-common.js';
import { tensor } from '../../../src/tensor/tensor.js';

describe('erfOf', () => {
  it.each([
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [-1.5, -0.9661051464753108],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
    [3.9, 0.9999999652077514],
    [4.5, 0.9999999998033839],
    [-7, -1],
  ])('erf(%f) = %f', (x, want) => {
    expect(Math.abs(erfOf(x) - want)).toBeLessThan(1e-8);
  });

  it('is NaN for NaN', () => {
    expect(erfOf(NaN)).toBeNaN();
  });
});

describe('chain', () => {
  it("multiplies δ by the slope read from each value", () => {
    const out = chain(tensor([2, 2], [1, 2, 3, 4]), tensor([2, 2], [0, 1, 2, 3]), (v) => v * v);
    expect(out.dims).toEqual([2, 2]);
    expect(Array.from(out.data)).toEqual([0, 2, 12, 36]);
  });
});
