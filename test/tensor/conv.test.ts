import { describe, it, expect } from 'vitest';
import {
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  convNd,
  convNdInputGrad,
  convNdWeightGrad,
  convOutputSize,
  cropEnd,
  reduceBiasGrad,
  type Conv2dAttrs,
  type ConvAttrs,
} from '../../src/tensor/conv.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runSingleNode } from './ort-fixture.js';
import { randomTensor, seeded } from '../helpers/random.js';

function expectClose(actual: Tensor, expected: { dims: readonly number[]; data: ArrayLike<number> }, tol = 1e-5): void {
  expect(actual.dims).toEqual(expected.dims);
  expect(actual.data.length).toBe(expected.data.length);
  let scale = 1;
  for (let i = 0; i < expected.data.length; i++) scale = Math.max(scale, Math.abs(expected.data[i]!));
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(actual.data[i]! - expected.data[i]!));
  expect(worst / scale).toBeLessThan(tol);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

interface Case {
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  a: Conv2dAttrs;
}

/** Output extent straight from the definition: the number of window starts that fit. */
function naiveOut(inSize: number, k: number, s: number, pb: number, pe: number, d: number): number {
  let n = 0;
  while (n * s + d * (k - 1) <= inSize + pb + pe - 1) n++;
  return n;
}

/** Reads x[n,c,h,v] with zero padding. */
function tap(x: Tensor, n: number, c: number, h: number, v: number): number {
  const [, C, H, W] = x.dims as [number, number, number, number];
  if (h < 0 || h >= H || v < 0 || v >= W) return 0;
  return x.data[((n * C + c) * H + h) * W + v]!;
}

function naiveConv(x: Tensor, w: Tensor, b: Tensor | undefined, a: Conv2dAttrs): { dims: number[]; data: Float64Array } {
  const [N, , H, W] = x.dims as [number, number, number, number];
  const [M, Cg, kH, kW] = w.dims as [number, number, number, number];
  const oH = naiveOut(H, kH, a.strides[0], a.pads[0], a.pads[2], a.dilations[0]);
  const oW = naiveOut(W, kW, a.strides[1], a.pads[1], a.pads[3], a.dilations[1]);
  const Mg = M / a.group;
  const y = new Float64Array(N * M * oH * oW);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      for (let i = 0; i < oH; i++)
        for (let j = 0; j < oW; j++) {
          let s = b ? b.data[m]! : 0;
          for (let c = 0; c < Cg; c++)
            for (let p = 0; p < kH; p++)
              for (let q = 0; q < kW; q++) {
                const h = i * a.strides[0] - a.pads[0] + p * a.dilations[0];
                const v = j * a.strides[1] - a.pads[1] + q * a.dilations[1];
                s += w.data[((m * Cg + c) * kH + p) * kW + q]! * tap(x, n, g * Cg + c, h, v);
              }
          y[((n * M + m) * oH + i) * oW + j] = s;
        }
    }
  return { dims: [N, M, oH, oW], data: y };
}

/** dx by scattering every product of the forward sum back to its input tap. */
function naiveInputGrad(dy: Tensor, w: Tensor, xDims: number[], a: Conv2dAttrs): { dims: number[]; data: Float64Array } {
  const [N, C, H, W] = xDims as [number, number, number, number];
  const [M, Cg, kH, kW] = w.dims as [number, number, number, number];
  const [, , oH, oW] = dy.dims as [number, number, number, number];
  const Mg = M / a.group;
  const dx = new Float64Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++) {
      const g = Math.floor(m / Mg);
      for (let i = 0; i < oH; i++)
        for (let j = 0; j < oW; j++) {
          const gy = dy.data[((n * M + m) * oH + i) * oW + j]!;
          for (let c = 0; c < Cg; c++)
            for (let p = 0; p < kH; p++)
              for (let q = 0; q < kW; q++) {
                const h = i * a.strides[0] - a.pads[0] + p * a.dilations[0];
                const v = j * a.strides[1] - a.pads[1] + q * a.dilations[1];
                if (h < 0 || h >= H || v < 0 || v >= W) continue;
                dx[((n * C + g * Cg + c) * H + h) * W + v]! += gy * w.data[((m * Cg + c) * kH + p) * kW + q]!;
              }
        }
    }
  return { dims: xDims, data: dx };
}

function naiveWeightGrad(x: Tensor, dy: Tensor, wDims: number[], a: Conv2dAttrs): { dims: number[]; data: Float64Array } {
  const [M, Cg, kH, kW] = wDims as [number, number, number, number];
  const [N, , oH, oW] = dy.dims as [number, number, number, number];
  const Mg = M / a.group;
  const dw = new Float64Array(M * Cg * kH * kW);
  for (let m = 0; m < M; m++) {
    const g = Math.floor(m / Mg);
    for (let c = 0; c < Cg; c++)
      for (let p = 0; p < kH; p++)
        for (let q = 0; q < kW; q++) {
          let s = 0;
          for (let n = 0; n < N; n++)
            for (let i = 0; i < oH; i++)
              for (let j = 0; j < oW; j++) {
                const h = i * a.strides[0] - a.pads[0] + p * a.dilations[0];
                const v = j * a.strides[1] - a.pads[1] + q * a.dilations[1];
                s += dy.data[((n * M + m) * oH + i) * oW + j]! * tap(x, n, g * Cg + c, h, v);
              }
          dw[((m * Cg + c) * kH + p) * kW + q] = s;
        }
  }
  return { dims: wDims, data: dw };
}

const attrs = (
  strides: [number, number],
  pads: [number, number, number, number],
  dilations: [number, number],
  group: number,
): Conv2dAttrs => ({ strides, pads, dilations, group });

const cases: Case[] = [
  { name: 'plain non-square', x: [3, 2, 7, 5], w: [4, 2, 3, 2], a: attrs([1, 1], [0, 0, 0, 0], [1, 1], 1) },
  { name: 'stride 2 / asymmetric pads', x: [3, 3, 9, 8], w: [5, 3, 3, 3], a: attrs([2, 3], [1, 0, 2, 1], [1, 1], 1) },
  { name: 'dilation 2', x: [3, 2, 11, 10], w: [3, 2, 3, 2], a: attrs([1, 2], [2, 1, 0, 3], [2, 2], 1) },
  { name: 'group 2', x: [3, 4, 8, 7], w: [6, 2, 3, 3], a: attrs([2, 1], [1, 1, 1, 1], [1, 1], 2) },
  { name: 'depthwise, multiplier 2', x: [3, 3, 9, 6], w: [6, 1, 3, 3], a: attrs([2, 2], [0, 1, 1, 0], [1, 2], 3) },
  { name: 'pointwise 1x1, group 2', x: [3, 4, 5, 6], w: [6, 2, 1, 1], a: attrs([1, 1], [0, 0, 0, 0], [1, 1], 2) },
  { name: '1x1 stride 2 with padding', x: [2, 3, 7, 6], w: [2, 3, 1, 1], a: attrs([2, 2], [1, 0, 0, 1], [1, 1], 1) },
  { name: 'stride larger than kernel', x: [3, 2, 8, 9], w: [3, 2, 2, 2], a: attrs([3, 3], [0, 0, 0, 0], [1, 1], 1) },
  { name: 'LeNet-5 C3-like', x: [2, 6, 14, 14], w: [16, 6, 5, 5], a: attrs([1, 1], [0, 0, 0, 0], [1, 1], 1) },
];

describe('convOutputSize', () => {
  it('matches hand-computed sizes', () => {
    expect(convOutputSize(28, 5, 1, 0, 0, 1)).toBe(24);
    expect(convOutputSize(28, 5, 1, 2, 2, 1)).toBe(28);
    expect(convOutputSize(9, 3, 2, 1, 2, 1)).toBe(5);
    expect(convOutputSize(11, 3, 1, 2, 0, 2)).toBe(9);
    expect(convOutputSize(8, 2, 3, 0, 0, 1)).toBe(3);
  });
});

describe('conv2d and its gradients against naive loops', () => {
  cases.forEach((tc, k) => {
    it(tc.name, () => {
      const r = seeded(1000 + k);
      const x = randomTensor(r, tc.x);
      const w = randomTensor(r, tc.w);
      const b = randomTensor(r, [tc.w[0]]);
      const ref = naiveConv(x, w, b, tc.a);
      const y = conv2d(x, w, b, tc.a);
      expectClose(y, ref);

      const dy = randomTensor(r, ref.dims);
      expectClose(conv2dInputGrad(dy, w, tc.x, tc.a), naiveInputGrad(dy, w, tc.x, tc.a));
      expectClose(conv2dWeightGrad(x, dy, tc.w, tc.a), naiveWeightGrad(x, dy, tc.w, tc.a));

      const db = new Float64Array(tc.w[0]);
      const [N, M, oH, oW] = ref.dims as [number, number, number, number];
      for (let n = 0; n < N; n++)
        for (let m = 0; m < M; m++) for (let t = 0; t < oH * oW; t++) db[m]! += dy.data[(n * M + m) * oH * oW + t]!;
      expectClose(reduceBiasGrad(dy), { dims: [M], data: db });
    });
  });

  it('adjoint identity <conv(x,w), dy> = <x, dx> = <w, dw>', () => {
    cases.forEach((tc, k) => {
      const r = seeded(2000 + k);
      const x = randomTensor(r, tc.x);
      const w = randomTensor(r, tc.w);
      const y = conv2d(x, w, undefined, tc.a);
      const dy = randomTensor(r, [...y.dims]);
      const lhs = dot(y.data, dy.data);
      const viaX = dot(x.data, conv2dInputGrad(dy, w, tc.x, tc.a).data);
      const viaW = dot(w.data, conv2dWeightGrad(x, dy, tc.w, tc.a).data);
      const tol = 1e-4 * Math.max(1, Math.abs(lhs));
      expect(Math.abs(viaX - lhs), tc.name).toBeLessThan(tol);
      expect(Math.abs(viaW - lhs), tc.name).toBeLessThan(tol);
    });
  });

  it('gives zero input gradient on rows and columns no window reaches', () => {
    const a = attrs([3, 3], [0, 0, 0, 0], [1, 1], 1);
    const w = randomTensor(seeded(7), [2, 1, 2, 2]);
    const dy = randomTensor(seeded(8), [1, 2, 3, 3]);
    const dx = conv2dInputGrad(dy, w, [1, 1, 9, 8], a);
    for (let h = 0; h < 9; h++)
      for (let v = 0; v < 8; v++) {
        const unreached = h % 3 === 2 || v % 3 === 2;
        if (unreached) expect(dx.data[h * 8 + v]).toBe(0);
        else expect(dx.data[h * 8 + v]).not.toBe(0);
      }
  });

  it('is linear in dy: doubling dy doubles both gradients exactly', () => {
    const tc = cases[3]!;
    const r = seeded(9);
    const x = randomTensor(r, tc.x);
    const w = randomTensor(r, tc.w);
    const dy = randomTensor(r, [...conv2d(x, w, undefined, tc.a).dims]);
    const dy2: Tensor = { dims: dy.dims, data: dy.data.map((v) => v * 2) };
    const g1 = conv2dWeightGrad(x, dy, tc.w, tc.a).data;
    const g2 = conv2dWeightGrad(x, dy2, tc.w, tc.a).data;
    g1.forEach((v, i) => expect(g2[i]).toBe(v * 2));
  });

  it('rejects inconsistent shapes with RangeError', () => {
    const a = attrs([1, 1], [0, 0, 0, 0], [1, 1], 2);
    expect(() => conv2d(randomTensor(seeded(1), [1, 3, 5, 5]), randomTensor(seeded(2), [2, 1, 3, 3]), undefined, a)).toThrow(RangeError);
    expect(() => conv2d(randomTensor(seeded(1), [1, 4, 5, 5]), randomTensor(seeded(2), [2, 3, 3, 3]), undefined, a)).toThrow(/group=2/);
    const a1 = attrs([1, 1], [0, 0, 0, 0], [1, 1], 1);
    expect(() => conv2d(randomTensor(seeded(1), [1, 2, 2, 2]), randomTensor(seeded(2), [2, 2, 3, 3]), undefined, a1)).toThrow(RangeError);
    expect(() => conv2d(randomTensor(seeded(1), [1, 2, 5, 5]), randomTensor(seeded(2), [2, 2, 3, 3]), randomTensor(seeded(3), [3]), a1)).toThrow(/bias/);
    expect(() => conv2dInputGrad(randomTensor(seeded(1), [1, 2, 4, 4]), randomTensor(seeded(2), [2, 2, 3, 3]), [1, 2, 5, 5], a1)).toThrow(/dy/);
    expect(() => conv2dWeightGrad(randomTensor(seeded(1), [1, 2, 5, 5]), randomTensor(seeded(2), [1, 2, 2, 3]), [2, 2, 3, 3], a1)).toThrow(/dy/);
  });
});

describe('conv2d against onnxruntime-node', () => {
  const ortCases = [cases[1]!, cases[2]!, cases[4]!, cases[3]!];
  ortCases.forEach((tc, k) => {
    it(tc.name, async () => {
      const r = seeded(3000 + k);
      const x = randomTensor(r, tc.x);
      const w = randomTensor(r, tc.w);
      const b = randomTensor(r, [tc.w[0]]);
      const ref = await runSingleNode(
        {
          opType: 'Conv',
          inputs: [{ name: 'x', dims: tc.x }],
          initializers: [
            { name: 'w', tensor: w },
            { name: 'b', tensor: b },
          ],
          attributes: {
            kernel_shape: [tc.w[2], tc.w[3]],
            strides: tc.a.strides,
            pads: tc.a.pads,
            dilations: tc.a.dilations,
            group: tc.a.group,
          },
        },
        { x },
      );
      expectClose(conv2d(x, w, b, tc.a), ref);
    });
  });
});

describe('convNd over 1, 2 and 3 spatial axes', () => {
  const ndCases: { name: string; x: number[]; w: number[]; a: ConvAttrs }[] = [
    { name: '1-D with stride, pads and dilation', x: [2, 3, 11], w: [4, 3, 3], a: { strides: [2], pads: [2, 1], dilations: [2], group: 1 } },
    { name: '1-D depthwise', x: [2, 4, 9], w: [4, 1, 2], a: { strides: [3], pads: [0, 1], dilations: [1], group: 4 } },
    { name: '1-D pointwise', x: [2, 3, 7], w: [2, 3, 1], a: { strides: [1], pads: [0, 0], dilations: [1], group: 1 } },
    { name: '3-D plain', x: [2, 2, 4, 5, 3], w: [3, 2, 2, 3, 2], a: { strides: [1, 1, 1], pads: [0, 0, 0, 0, 0, 0], dilations: [1, 1, 1], group: 1 } },
    { name: '3-D strides, asymmetric pads, dilations', x: [1, 2, 6, 5, 7], w: [2, 2, 2, 3, 2], a: { strides: [2, 1, 3], pads: [1, 0, 2, 0, 2, 1], dilations: [2, 1, 2], group: 1 } },
    { name: '3-D groups', x: [2, 4, 3, 4, 4], w: [6, 2, 2, 2, 3], a: { strides: [1, 2, 1], pads: [1, 1, 0, 0, 1, 1], dilations: [1, 1, 1], group: 2 } },
    { name: '3-D pointwise', x: [2, 3, 2, 3, 4], w: [2, 3, 1, 1, 1], a: { strides: [1, 1, 1], pads: [0, 0, 0, 0, 0, 0], dilations: [1, 1, 1], group: 1 } },
  ];

  ndCases.forEach((tc, k) => {
    it(`${tc.name}: forward matches onnxruntime-node, gradients satisfy the adjoint identity`, async () => {
      const r = seeded(4000 + k);
      const x = randomTensor(r, tc.x);
      const w = randomTensor(r, tc.w);
      const b = randomTensor(r, [tc.w[0]!]);
      const ref = await runSingleNode({
        opType: 'Conv',
        inputs: [{ name: 'x', dims: tc.x }],
        initializers: [{ name: 'w', tensor: w }, { name: 'b', tensor: b }],
        attributes: { strides: tc.a.strides, pads: tc.a.pads, dilations: tc.a.dilations, group: tc.a.group },
      }, { x });
      expectClose(convNd(x, w, b, tc.a), ref);
      const y = convNd(x, w, undefined, tc.a);
      const dy = randomTensor(r, [...y.dims]);
      const lhs = dot(y.data, dy.data);
      const tol = 1e-4 * Math.max(1, Math.abs(lhs));
      expect(Math.abs(dot(x.data, convNdInputGrad(dy, w, tc.x, tc.a).data) - lhs)).toBeLessThan(tol);
      expect(Math.abs(dot(w.data, convNdWeightGrad(x, dy, tc.w, tc.a).data) - lhs)).toBeLessThan(tol);
    });
  });

  it('gives exactly the 2-D kernels\' results on 2-D operands', () => {
    const tc = cases[3]!;
    const r = seeded(5000);
    const x = randomTensor(r, tc.x);
    const w = randomTensor(r, tc.w);
    const y = conv2d(x, w, undefined, tc.a);
    const dy = randomTensor(r, [...y.dims]);
    expect(Array.from(convNd(x, w, undefined, tc.a).data)).toEqual(Array.from(y.data));
    expect(Array.from(convNdInputGrad(dy, w, tc.x, tc.a).data)).toEqual(Array.from(conv2dInputGrad(dy, w, tc.x, tc.a).data));
    expect(Array.from(convNdWeightGrad(x, dy, tc.w, tc.a).data)).toEqual(Array.from(conv2dWeightGrad(x, dy, tc.w, tc.a).data));
  });

  it('rejects attributes of the wrong rank and four spatial axes', () => {
    const x = randomTensor(seeded(1), [1, 2, 5]);
    const w = randomTensor(seeded(2), [2, 2, 3]);
    expect(() => convNd(x, w, undefined, { strides: [1, 1], pads: [0, 0], dilations: [1], group: 1 })).toThrow(/strides, dilations and pads/);
    const x4 = randomTensor(seeded(3), [1, 1, 2, 2, 2, 2]);
    const w4 = randomTensor(seeded(4), [1, 1, 1, 1, 1, 1]);
    expect(() => convNd(x4, w4, undefined, { strides: [1, 1, 1, 1], pads: new Array<number>(8).fill(0), dilations: [1, 1, 1, 1], group: 1 })).toThrow(RangeError);
    expect(() => conv2d(x, w, undefined, { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 })).toThrow(/\[N,C,H,W\]/);
  });
});

describe('cropEnd', () => {
  it('keeps the leading entries of every axis', () => {
    const t: Tensor = { dims: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => i) };
    const c = cropEnd(t, [2, 2, 3]);
    expect(c.dims).toEqual([2, 2, 3]);
    expect(Array.from(c.data)).toEqual([0, 1, 2, 4, 5, 6, 12, 13, 14, 16, 17, 18]);
    expect(cropEnd(t, [2, 3, 4])).toBe(t);
    expect(() => cropEnd(t, [2, 4, 4])).toThrow(RangeError);
  });
});
