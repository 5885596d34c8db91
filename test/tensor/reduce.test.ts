import { describe, it, expect } from 'vitest';
import { reduceSum } from '../../src/tensor/broadcast.js';
import { extremumMask, keptDims, unreduce } from '../../src/tensor/reduce.js';
import { tensor } from '../../src/tensor/tensor.js';
import { randomTensor, seeded } from '../helpers/random.js';

const rng = seeded(41);

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

describe('keptDims', () => {
  it('sets the reduced axes to 1', () => {
    expect(keptDims([2, 3, 4], [0, 2])).toEqual([1, 3, 1]);
    expect(keptDims([2, 3], [])).toEqual([2, 3]);
  });
});

describe('unreduce', () => {
  it.each([
    [[3, 4, 5], [1], true],
    [[3, 4, 5], [0, 2], false],
    [[2, 3], [0, 1], false],
    [[2, 1, 3], [1], false],
  ] as [number[], number[], boolean][])('is the adjoint of reduceSum on [%j] over %j (keepdims %s)', (dims, axes, keep) => {
    const x = randomTensor(rng, dims);
    const y = reduceSum(x, axes, keep);
    const g = randomTensor(rng, y.dims);
    const back = unreduce(g, dims, axes);
    expect(back.dims).toEqual(dims);
    expect(dot(back.data, x.data)).toBeCloseTo(dot(g.data, y.data), 4);
  });

  it('leaves the gradient as it is over no axes', () => {
    const g = randomTensor(rng, [2, 3]);
    expect(Array.from(unreduce(g, [2, 3], []).data)).toEqual(Array.from(g.data));
  });
});

describe('extremumMask', () => {
  it('marks every position that reaches the maximum, ties included', () => {
    const x = tensor([2, 3], [1, 3, 3, -2, -1, -2]);
    expect(Array.from(extremumMask(x, tensor([2, 1], [3, -1]), 'max').data)).toEqual([0, 1, 1, 0, 1, 0]);
  });

  it('marks every position that reaches the minimum, broadcasting y', () => {
    const x = tensor([2, 3], [1, 3, 3, -2, -1, -2]);
    expect(Array.from(extremumMask(x, tensor([2, 1], [1, -2]), 'min').data)).toEqual([1, 0, 0, 1, 0, 1]);
  });
});
