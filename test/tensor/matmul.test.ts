import { describe, it, expect } from 'vitest';
import { batchedMatmul, gemmAccumulate, matmul } from '../../src/tensor/matmul.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runSingleNode } from './ort-fixture.js';
import { randomTensor, seeded } from '../helpers/random.js';

function expectClose(actual: Tensor, expected: { dims: readonly number[]; data: ArrayLike<number> }, tol = 1e-5): void {
  expect(actual.dims).toEqual(expected.dims);
  expect(actual.data.length).toBe(expected.data.length);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst).toBeLessThan(tol);
}

/** y[i,j] = Σ_k A[i,k] B[k,j] with A, B read through explicit transposition. */
function naiveMatmul(a: Tensor, b: Tensor, tA: boolean, tB: boolean): { dims: number[]; data: Float64Array } {
  const [ar, ac] = a.dims as [number, number];
  const [br, bc] = b.dims as [number, number];
  const M = tA ? ac : ar;
  const K = tA ? ar : ac;
  const N = tB ? br : bc;
  const A = (i: number, k: number): number => (tA ? a.data[k * ac + i]! : a.data[i * ac + k]!);
  const B = (k: number, j: number): number => (tB ? b.data[j * bc + k]! : b.data[k * bc + j]!);
  const y = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += A(i, k) * B(k, j);
      y[i * N + j] = s;
    }
  return { dims: [M, N], data: y };
}

/** numpy matmul from its definition: promote 1-D operands, broadcast batch indices by modulo. */
function naiveBatched(a: Tensor, b: Tensor): { dims: number[]; data: Float64Array } {
  const ad = a.dims.length === 1 ? [1, a.dims[0]!] : [...a.dims];
  const bd = b.dims.length === 1 ? [b.dims[0]!, 1] : [...b.dims];
  const M = ad[ad.length - 2]!;
  const K = ad[ad.length - 1]!;
  const N = bd[bd.length - 1]!;
  const rank = Math.max(ad.length, bd.length) - 2;
  const pa = [...new Array<number>(rank + 2 - ad.length).fill(1), ...ad];
  const pb = [...new Array<number>(rank + 2 - bd.length).fill(1), ...bd];
  const batch = pa.slice(0, rank).map((d, i) => Math.max(d, pb[i]!));
  const nb = batch.reduce((p, q) => p * q, 1);
  const y = new Float64Array(nb * M * N);
  for (let t = 0; t < nb; t++) {
    const idx: number[] = [];
    let rem = t;
    for (let d = rank - 1; d >= 0; d--) {
      idx.unshift(rem % batch[d]!);
      rem = Math.floor(rem / batch[d]!);
    }
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < rank; d++) {
      oa = oa * pa[d]! + (idx[d]! % pa[d]!);
      ob = ob * pb[d]! + (idx[d]! % pb[d]!);
    }
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[oa * M * K + i * K + k]! * b.data[ob * K * N + k * N + j]!;
        y[t * M * N + i * N + j] = s;
      }
  }
  const dims = [...batch];
  if (a.dims.length > 1) dims.push(M);
  if (b.dims.length > 1) dims.push(N);
  return { dims, data: y };
}

describe('matmul', () => {
  const sizes: [number, number, number][] = [
    [5, 7, 3],
    [1, 9, 1],
    [6, 8, 11],
    [7, 4, 2],
    [64, 33, 10],
  ];
  for (const [M, K, N] of sizes) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`M=${M} K=${K} N=${N} transA=${tA} transB=${tB}`, () => {
          const r = seeded(M * 1000 + K * 10 + N + (tA ? 7 : 0) + (tB ? 13 : 0));
          const a = randomTensor(r, tA ? [K, M] : [M, K]);
          const b = randomTensor(r, tB ? [N, K] : [K, N]);
          expectClose(matmul(a, b, tA, tB), naiveMatmul(a, b, tA, tB));
        });
      }
    }
  }

  it('matches a hand-computed product', () => {
    const a: Tensor = { dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b: Tensor = { dims: [3, 2], data: Float32Array.from([7, 8, 9, 10, 11, 12]) };
    expect(Array.from(matmul(a, b).data)).toEqual([58, 64, 139, 154]);
    expect(Array.from(matmul(a, a, false, true).data)).toEqual([14, 32, 32, 77]);
    expect(Array.from(matmul(a, a, true, false).data)).toEqual([17, 22, 27, 22, 29, 36, 27, 36, 45]);
  });

  it('gemmAccumulate adds into C at the given offsets', () => {
    const a = Float32Array.from([9, 1, 2, 3, 4]);
    const b = Float32Array.from([9, 9, 1, 0, 0, 1]);
    const c = Float32Array.from([5, 1, 1, 1, 1]);
    gemmAccumulate(2, 2, 2, a, 1, false, b, 2, false, c, 1);
    expect(Array.from(c)).toEqual([5, 2, 3, 4, 5]);
  });

  it('rejects mismatched inner dimensions naming both shapes', () => {
    expect(() => matmul(randomTensor(seeded(1), [2, 3]), randomTensor(seeded(2), [4, 2]))).toThrow(/\[2,3\].*\[4,2\]/);
    expect(() => matmul(randomTensor(seeded(1), [2, 3, 1]), randomTensor(seeded(2), [1, 2]))).toThrow(RangeError);
  });
});

describe('batchedMatmul', () => {
  const shapes: [number[], number[]][] = [
    [[3, 4], [4, 5]],
    [[2, 1, 3, 4], [3, 4, 5]],
    [[3, 2, 5], [1, 5, 3]],
    [[4], [4]],
    [[4], [2, 4, 3]],
    [[2, 3, 4], [4]],
    [[1, 3, 4], [2, 1, 4, 2]],
  ];
  shapes.forEach(([ad, bd], k) => {
    it(`[${ad.join(',')}] x [${bd.join(',')}]`, () => {
      const r = seeded(500 + k);
      const a = randomTensor(r, ad);
      const b = randomTensor(r, bd);
      expectClose(batchedMatmul(a, b), naiveBatched(a, b));
    });
  });

  it('matches onnxruntime MatMul with broadcast batch dimensions', async () => {
    const r = seeded(77);
    const a = randomTensor(r, [2, 1, 3, 4]);
    const b = randomTensor(r, [3, 4, 5]);
    const ref = await runSingleNode({ opType: 'MatMul', inputs: [{ name: 'x', dims: a.dims }], initializers: [{ name: 'b', tensor: b }] }, { x: a });
    expectClose(batchedMatmul(a, b), ref);
  });

  it('rejects incompatible operands', () => {
    expect(() => batchedMatmul(randomTensor(seeded(1), [2, 3, 4]), randomTensor(seeded(2), [3, 4, 5]))).toThrow(RangeError);
    expect(() => batchedMatmul(randomTensor(seeded(1), [3, 4]), randomTensor(seeded(2), [3, 5]))).toThrow(/\[3,4\].*\[3,5\]/);
  });
});
