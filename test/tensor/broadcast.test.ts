import { describe, it, expect } from 'vitest';
import { binaryOp, broadcastShape, broadcastTo, reduceSum, reduceToShape } from '../../src/tensor/broadcast.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor, seeded } from '../helpers/random.js';

function expectClose(actual: Tensor, expected: { dims: readonly number[]; data: ArrayLike<number> }, tol = 1e-5): void {
  expect(actual.dims).toEqual(expected.dims);
  expect(actual.data.length).toBe(expected.data.length);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst).toBeLessThan(tol);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Multi-index of flat position `flat` in `dims` (row-major). */
function unravel(flat: number, dims: readonly number[]): number[] {
  const idx = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) {
    idx[d] = flat % dims[d]!;
    flat = Math.floor(flat / dims[d]!);
  }
  return idx;
}

/** Flat position in `dims` of the right-aligned index `idx`, with size-1 axes pinned to 0. */
function ravelBroadcast(idx: readonly number[], dims: readonly number[]): number {
  const lead = idx.length - dims.length;
  let flat = 0;
  for (let d = 0; d < dims.length; d++) flat = flat * dims[d]! + (dims[d] === 1 ? 0 : idx[lead + d]!);
  return flat;
}

function count(dims: readonly number[]): number {
  return dims.reduce((p, q) => p * q, 1);
}

describe('broadcastShape', () => {
  it('follows the numpy rules', () => {
    expect(broadcastShape([3, 1, 5], [4, 1])).toEqual([3, 4, 5]);
    expect(broadcastShape([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShape([2, 3], [])).toEqual([2, 3]);
    expect(broadcastShape([1], [7])).toEqual([7]);
    expect(broadcastShape([8, 1, 6, 1], [7, 1, 5])).toEqual([8, 7, 6, 5]);
    expect(broadcastShape([0, 1], [1, 3])).toEqual([0, 3]);
  });

  it('throws a RangeError naming both shapes', () => {
    expect(() => broadcastShape([2, 3], [4, 3])).toThrow(RangeError);
    expect(() => broadcastShape([2, 3], [4, 3])).toThrow(/\[2,3\].*\[4,3\]/);
  });
});

describe('broadcastTo and reduceToShape', () => {
  const pairs: [number[], number[]][] = [
    [[3, 1, 5], [2, 3, 4, 5]],
    [[1], [4, 3]],
    [[], [2, 3]],
    [[4, 1], [4, 6]],
    [[1, 3, 1], [5, 3, 2]],
    [[2, 3], [2, 3]],
    [[1, 1], [1, 1]],
  ];
  pairs.forEach(([from, to], k) => {
    it(`[${from.join(',')}] -> [${to.join(',')}]`, () => {
      const r = seeded(10 + k);
      const x = randomTensor(r, from);
      const b = broadcastTo(x, to);
      const expected = new Float64Array(count(to));
      for (let i = 0; i < expected.length; i++) expected[i] = x.data[ravelBroadcast(unravel(i, to), from)]!;
      expectClose(b, { dims: to, data: expected });

      const g = randomTensor(r, to);
      const summed = new Float64Array(count(from));
      for (let i = 0; i < g.data.length; i++) summed[ravelBroadcast(unravel(i, to), from)]! += g.data[i]!;
      expectClose(reduceToShape(g, from), { dims: from, data: summed });

      expect(Math.abs(dot(b.data, g.data) - dot(x.data, reduceToShape(g, from).data))).toBeLessThan(1e-4);
    });
  });

  it('returns a copy, not a view, when nothing is broadcast', () => {
    const g = randomTensor(seeded(1), [2, 3]);
    const out = reduceToShape(g, [2, 3]);
    out.data[0] = 42;
    expect(g.data[0]).not.toBe(42);
  });

  it('rejects shapes that cannot broadcast', () => {
    expect(() => broadcastTo(randomTensor(seeded(1), [3]), [4])).toThrow(RangeError);
    expect(() => broadcastTo(randomTensor(seeded(1), [2, 3]), [3])).toThrow(/\[2,3\]/);
    expect(() => reduceToShape(randomTensor(seeded(1), [4, 3]), [2, 3])).toThrow(RangeError);
  });
});

describe('binaryOp', () => {
  const pairs: [number[], number[]][] = [
    [[3, 1, 5], [4, 1]],
    [[], [2, 3]],
    [[2, 3], [2, 3]],
    [[2, 1, 4], [1, 3, 1]],
    [[5], [2, 1]],
  ];
  pairs.forEach(([ad, bd], k) => {
    it(`[${ad.join(',')}] op [${bd.join(',')}]`, () => {
      const r = seeded(40 + k);
      const a = randomTensor(r, ad);
      const b = randomTensor(r, bd);
      const dims = broadcastShape(ad, bd);
      const expected = new Float64Array(count(dims));
      for (let i = 0; i < expected.length; i++) {
        const idx = unravel(i, dims);
        expected[i] = a.data[ravelBroadcast(idx, ad)]! - 2 * b.data[ravelBroadcast(idx, bd)]!;
      }
      expectClose(
        binaryOp(a, b, (x, y) => x - 2 * y),
        { dims, data: expected },
      );
    });
  });

  it('computes a hand-checked example', () => {
    const a: Tensor = { dims: [2, 1], data: Float32Array.from([1, 2]) };
    const b: Tensor = { dims: [3], data: Float32Array.from([10, 20, 30]) };
    const y = binaryOp(a, b, (x, z) => x * z);
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data)).toEqual([10, 20, 30, 20, 40, 60]);
  });
});

describe('reduceSum', () => {
  const x = randomTensor(seeded(99), [2, 3, 4]);
  const at = (i: number, j: number, k: number): number => x.data[(i * 3 + j) * 4 + k]!;

  it('sums one axis, with and without keepDims', () => {
    const want = new Float64Array(8);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want[i * 4 + k]! += at(i, j, k);
    expectClose(reduceSum(x, [1], false), { dims: [2, 4], data: want });
    expectClose(reduceSum(x, [1], true), { dims: [2, 1, 4], data: want });
  });

  it('accepts negative and multiple axes', () => {
    const want = new Float64Array(3);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) want[j]! += at(i, j, k);
    expectClose(reduceSum(x, [0, -1], false), { dims: [3], data: want });
    expectClose(reduceSum(x, [-1, 0], true), { dims: [1, 3, 1], data: want });
  });

  it('reduces every axis when axes is empty', () => {
    let s = 0;
    for (const v of x.data) s += v;
    expectClose(reduceSum(x, [], false), { dims: [], data: [s] });
    expectClose(reduceSum(x, [], true), { dims: [1, 1, 1], data: [s] });
  });

  it('rejects out-of-range axes', () => {
    expect(() => reduceSum(x, [3], false)).toThrow(/axis 3/);
    expect(() => reduceSum(x, [-4], false)).toThrow(RangeError);
  });
});
