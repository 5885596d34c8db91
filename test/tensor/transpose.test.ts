import { describe, it, expect } from 'vitest';
import { invertPerm, transpose } from '../../src/tensor/transpose.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runSingleNode } from './ort-fixture.js';
import { randomTensor, seeded } from '../helpers/random.js';

/** y[i] = x[j] with j[perm[k]] = i[k], walking y's multi-indices one by one. */
function naiveTranspose(x: Tensor, perm: number[]): { dims: number[]; data: Float32Array } {
  const dims = perm.map((p) => x.dims[p]!);
  const n = x.data.length;
  const out = new Float32Array(n);
  for (let flat = 0; flat < n; flat++) {
    const idx = new Array<number>(dims.length);
    let rem = flat;
    for (let d = dims.length - 1; d >= 0; d--) {
      idx[d] = rem % dims[d]!;
      rem = Math.floor(rem / dims[d]!);
    }
    const src = new Array<number>(dims.length);
    perm.forEach((p, k) => (src[p] = idx[k]!));
    let off = 0;
    for (let d = 0; d < x.dims.length; d++) off = off * x.dims[d]! + src[d]!;
    out[flat] = x.data[off]!;
  }
  return { dims, data: out };
}

describe('transpose', () => {
  const cases: [number[], number[]][] = [
    [[3, 5], [1, 0]],
    [[2, 3, 4, 5], [2, 0, 3, 1]],
    [[2, 3, 4, 5], [0, 2, 3, 1]],
    [[4, 1, 3], [1, 2, 0]],
    [[2, 3, 4], [0, 1, 2]],
    [[6], [0]],
  ];
  cases.forEach(([dims, perm], k) => {
    it(`[${dims.join(',')}] perm [${perm.join(',')}]`, () => {
      const x = randomTensor(seeded(k + 1), dims);
      const y = transpose(x, perm);
      const ref = naiveTranspose(x, perm);
      expect(y.dims).toEqual(ref.dims);
      expect(Array.from(y.data)).toEqual(Array.from(ref.data));
      const back = transpose(y, invertPerm(perm));
      expect(back.dims).toEqual(dims);
      expect(Array.from(back.data)).toEqual(Array.from(x.data));
    });
  });

  it('reverses the axes when perm is empty', () => {
    const x = randomTensor(seeded(9), [2, 3, 4]);
    expect(Array.from(transpose(x, []).data)).toEqual(Array.from(naiveTranspose(x, [2, 1, 0]).data));
    const s: Tensor = { dims: [], data: Float32Array.from([5]) };
    expect(transpose(s, []).dims).toEqual([]);
  });

  it('matches onnxruntime Transpose', async () => {
    const x = randomTensor(seeded(11), [2, 3, 4, 5]);
    const ref = await runSingleNode({ opType: 'Transpose', inputs: [{ name: 'x', dims: x.dims }], attributes: { perm: [3, 1, 0, 2] } }, { x });
    const y = transpose(x, [3, 1, 0, 2]);
    expect(y.dims).toEqual(ref.dims);
    expect(Array.from(y.data)).toEqual(Array.from(ref.data));
  });

  it('rejects invalid permutations', () => {
    const x = randomTensor(seeded(1), [2, 3]);
    expect(() => transpose(x, [0, 0])).toThrow(RangeError);
    expect(() => transpose(x, [0, 1, 2])).toThrow(/perm/);
    expect(() => transpose(x, [0, 2])).toThrow(RangeError);
  });
});

describe('invertPerm', () => {
  it('inverts hand-picked permutations', () => {
    expect(invertPerm([2, 0, 3, 1])).toEqual([1, 3, 0, 2]);
    expect(invertPerm([0, 2, 3, 1])).toEqual([0, 3, 1, 2]);
    expect(invertPerm([])).toEqual([]);
  });

  it('rejects a non-permutation', () => {
    expect(() => invertPerm([1, 1])).toThrow(RangeError);
  });
});
