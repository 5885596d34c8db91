import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  axisRowIndex, elementOffsets, gatherRows, ndRowIndex, othersProduct, scatterAddAt, scatterAddRows, wrapIndex,
} from '../../src/tensor/gather.js';

describe('gather index arithmetic', () => {
  it('wraps negative indices and refuses out-of-range ones', () => {
    expect(wrapIndex(-1, 4, 'w')).toBe(3);
    expect(wrapIndex(2, 4, 'w')).toBe(2);
    expect(() => wrapIndex(4, 4, 'w')).toThrow(InputError);
    expect(() => wrapIndex(-5, 4, 'w')).toThrow(/w: index -5/);
  });

  it('picks rows along an axis and adds them back, repeated rows accumulating', () => {
    const ix = axisRowIndex([2, 3, 2], 1, [2, -1, 0], 'g');
    expect([ix.B, ix.N, ix.S, ix.m]).toEqual([2, 3, 2, 3]);
    const x = Float32Array.from({ length: 12 }, (_, i) => i);
    expect(Array.from(gatherRows(x, ix))).toEqual([4, 5, 4, 5, 0, 1, 10, 11, 10, 11, 6, 7]);
    expect(Array.from(scatterAddRows(new Float32Array(12).fill(1), ix))).toEqual([1, 1, 0, 0, 2, 2, 1, 1, 0, 0, 2, 2]);
  });

  it('flattens index tuples per batch (batch_dims 1)', () => {
    const ix = ndRowIndex([2, 3, 4], [2, 2, 1], [2, -3, 1, 1], 1, 'g');
    expect([ix.B, ix.N, ix.S, ix.m]).toEqual([2, 3, 4, 2]);
    expect(Array.from(ix.rows)).toEqual([2, 0, 1, 1]);
    expect(() => ndRowIndex([2, 3], [3, 1, 1], [0, 0, 0], 1, 'g')).toThrow(InputError);
  });

  it('addresses elements along an axis, indices smaller off the axis', () => {
    const off = elementOffsets([3, 4], [2, 2], [3, -4, 0, 1], 1, 'e');
    expect(Array.from(off)).toEqual([3, 0, 4, 5]);
    expect(Array.from(scatterAddAt(Float32Array.of(1, 2, 3, 4), Int32Array.of(0, 0, 5, 5), [2, 3]).data)).toEqual([3, 0, 0, 0, 0, 7]);
    expect(() => elementOffsets([3, 4], [4, 1], [0, 0, 0, 0], 1, 'e')).toThrow(InputError);
  });

  it('multiplies the other values written to the same place', () => {
    const p = othersProduct(Float32Array.of(2, 3, 5, 7), Int32Array.of(1, 0, 1, 1));
    expect(Array.from(p)).toEqual([35, 1, 14, 10]);
  });
});
