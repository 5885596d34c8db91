import { describe, it, expect } from 'vitest';
import { down, up } from '../../src/tensor/up-down.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor, seeded } from '../helpers/random.js';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function naiveUp(x: Tensor, n: number, oH: number, oW: number): Float32Array {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const y = new Float32Array(N * C * oH * oW);
  for (let b = 0; b < N; b++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < oH; i++)
        for (let j = 0; j < oW; j++) {
          const si = Math.floor(i / n);
          const sj = Math.floor(j / n);
          y[((b * C + c) * oH + i) * oW + j] = si < H && sj < W ? x.data[((b * C + c) * H + si) * W + sj]! : 0;
        }
  return y;
}

function naiveDown(x: Tensor, n: number): { dims: number[]; data: Float64Array } {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const oH = Math.floor(H / n);
  const oW = Math.floor(W / n);
  const y = new Float64Array(N * C * oH * oW);
  for (let b = 0; b < N; b++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < oH * n; h++)
        for (let v = 0; v < oW * n; v++) {
          y[((b * C + c) * oH + Math.floor(h / n)) * oW + Math.floor(v / n)]! += x.data[((b * C + c) * H + h) * W + v]!;
        }
  return { dims: [N, C, oH, oW], data: y };
}

describe('up', () => {
  it('repeats a hand-written 2x2 map over 2x2 blocks', () => {
    const x: Tensor = { dims: [1, 1, 2, 2], data: Float32Array.from([1, 2, 3, 4]) };
    const y = up(x, 2);
    expect(y.dims).toEqual([1, 1, 4, 4]);
    expect(Array.from(y.data)).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  for (const [dims, n, oH, oW] of [
    [[3, 2, 3, 5], 2, undefined, undefined],
    [[3, 2, 4, 3], 3, 13, 10],
    [[2, 1, 5, 5], 2, 11, 10],
    [[1, 2, 3, 2], 1, 4, 2],
  ] as [number[], number, number | undefined, number | undefined][]) {
    it(`[${dims.join(',')}] n=${n} out ${oH ?? 'default'}x${oW ?? 'default'}`, () => {
      const x = randomTensor(seeded(n * 17 + dims[2]!), dims);
      const H = oH ?? dims[2]! * n;
      const W = oW ?? dims[3]! * n;
      const y = up(x, n, oH, oW);
      expect(y.dims).toEqual([dims[0], dims[1], H, W]);
      expect(Array.from(y.data)).toEqual(Array.from(naiveUp(x, n, H, W)));
    });
  }

  it('rejects an output smaller than H·n x W·n and bad block sizes', () => {
    const x = randomTensor(seeded(1), [1, 1, 3, 3]);
    expect(() => up(x, 2, 5, 6)).toThrow(RangeError);
    expect(() => up(x, 0)).toThrow(/block size/);
    expect(() => up(randomTensor(seeded(1), [3, 3]), 2)).toThrow(/\[3,3\]/);
  });
});

describe('down', () => {
  it('sums a hand-written 4x5 map over 2x2 blocks, dropping the last column', () => {
    const x: Tensor = { dims: [1, 1, 4, 5], data: Float32Array.from({ length: 20 }, (_, i) => i) };
    const y = down(x, 2);
    expect(y.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(y.data)).toEqual([0 + 1 + 5 + 6, 2 + 3 + 7 + 8, 10 + 11 + 15 + 16, 12 + 13 + 17 + 18]);
  });

  for (const [dims, n] of [
    [[3, 2, 6, 4], 2],
    [[3, 2, 7, 5], 2],
    [[2, 3, 10, 11], 3],
    [[1, 1, 3, 3], 1],
  ] as [number[], number][]) {
    it(`[${dims.join(',')}] n=${n}`, () => {
      const x = randomTensor(seeded(n * 31 + dims[3]!), dims);
      const y = down(x, n);
      const ref = naiveDown(x, n);
      expect(y.dims).toEqual(ref.dims);
      y.data.forEach((v, i) => expect(v).toBeCloseTo(ref.data[i]!, 5));
    });
  }

  it('is the adjoint of up: <up(y), x> = <y, down(x)>, also for sizes not divisible by n', () => {
    for (const [H, W, n] of [
      [8, 6, 2],
      [7, 11, 3],
      [9, 9, 2],
    ] as [number, number, number][]) {
      const r = seeded(H * W * n);
      const x = randomTensor(r, [3, 2, H, W]);
      const dx = down(x, n);
      const yy = randomTensor(r, [...dx.dims]);
      expect(Math.abs(dot(up(yy, n, H, W).data, x.data) - dot(yy.data, dx.data))).toBeLessThan(1e-4);
    }
  });
});
