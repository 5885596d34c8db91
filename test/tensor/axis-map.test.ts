import { describe, expect, it } from 'vitest';
import {
  adjointOrder, applyAxisMap, applyAxisMapAdjoint, applyAxisMaps, applyAxisMapsAdjoint, gatherMap, identityMap, type AxisMap,
} from '../../src/tensor/axis-map.js';
import { resizeAxisMap } from '../../src/tensor/resize.js';
import { randomTensor, seeded } from '../helpers/random.js';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

const cubic = resizeAxisMap({ mode: 'cubic', coordinate: 'half_pixel', nearest: 'floor', cubicA: -0.75, excludeOutside: false, antialias: false }, 5, 8, 1.6);
const maps: [string, AxisMap][] = [
  ['cubic 5 → 8', cubic],
  ['gather with repeats', gatherMap(4, [3, 0, 0, 2, 1, 3])],
  ['identity', identityMap(4)],
];

describe('axis maps', () => {
  it.each(maps)('%s: the adjoint satisfies ⟨A·x, g⟩ = ⟨x, Aᵀ·g⟩ on every axis', (_, m) => {
    for (let axis = 0; axis < 3; axis++) {
      const xDims = [2, 3, 2].map((d, a) => (a === axis ? m.inSize : d));
      const x = randomTensor(seeded(axis + 1), xDims);
      const y = applyAxisMap(x, axis, m);
      const g = randomTensor(seeded(axis + 7), y.dims);
      const back = applyAxisMapAdjoint(g, axis, m);
      expect(back.dims).toEqual(xDims);
      expect(dot(y.data, g.data)).toBeCloseTo(dot(x.data, back.data), 4);
    }
  });

  it('applies a product of maps, and its adjoint, in any order', () => {
    const all = [undefined, cubic, gatherMap(3, [2, 2, 1, 0])];
    const x = randomTensor(seeded(3), [2, 5, 3]);
    const y = applyAxisMaps(x, all);
    expect(y.dims).toEqual([2, 8, 4]);
    const g = randomTensor(seeded(4), y.dims);
    expect(dot(y.data, g.data)).toBeCloseTo(dot(x.data, applyAxisMapsAdjoint(g, all).data), 4);
  });

  it('orders the adjoint axes by how much they shrink the tensor', () => {
    expect(adjointOrder([undefined, { inSize: 2, outSize: 4 }, { inSize: 3, outSize: 9 }, { inSize: 4, outSize: 2 }])).toEqual([2, 1, 3]);
  });

  it('refuses a tensor whose axis does not fit the map', () => {
    expect(() => applyAxisMap(randomTensor(seeded(1), [2, 3]), 1, cubic)).toThrow(RangeError);
  });
});
