import { describe, it, expect } from 'vitest';
import {
  avgPool2d,
  avgPool2dGrad,
  maxPool2d,
  maxPool2dGrad,
  avgPoolNd,
  avgPoolNdGrad,
  maxPoolNd,
  maxPoolNdGrad,
  pool2dOutputDims,
  poolOutputDims,
  type Pool2dAttrs,
  type PoolAttrs,
} from '../../src/tensor/pool.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { buildSingleNodeModel, runModel } from './ort-fixture.js';
import { randomTensor, seeded } from '../helpers/random.js';

function expectClose(actual: Tensor, expected: { dims: readonly number[]; data: ArrayLike<number> }, tol = 1e-6): void {
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

const pa = (
  kernel: [number, number],
  strides: [number, number],
  pads: [number, number, number, number],
  dilations: [number, number],
  ceilMode: boolean,
  countIncludePad: boolean,
): Pool2dAttrs => ({ kernel, strides, pads, dilations, ceilMode, countIncludePad });

/**
 * Window starts listed one by one: floor mode keeps windows that end inside the
 * padded input; ceil mode also keeps a partial last window, provided it starts
 * before the end padding.
 */
function naiveOut(inSize: number, k: number, s: number, pb: number, pe: number, d: number, ceil: boolean): number {
  const extent = (k - 1) * d + 1;
  let n = 0;
  for (let st = 0; ; st += s) {
    const fits = st + extent <= inSize + pb + pe;
    const partial = ceil && st < inSize + pb && st + extent > inSize + pb + pe && st - s + extent < inSize + pb + pe;
    if (fits || partial) n++;
    else break;
  }
  return n;
}

interface Ref {
  dims: number[];
  data: Float64Array;
}

function naivePool(x: Tensor, a: Pool2dAttrs, kind: 'max' | 'avg'): { y: Ref; arg: number[] } {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const oH = naiveOut(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], a.ceilMode);
  const oW = naiveOut(W, a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], a.ceilMode);
  const y = new Float64Array(N * C * oH * oW);
  const arg: number[] = [];
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < oH; i++)
        for (let j = 0; j < oW; j++, o++) {
          let best = -Infinity;
          let bi = -1;
          let sum = 0;
          let inside = 0;
          let inPadded = 0;
          for (let p = 0; p < a.kernel[0]; p++)
            for (let q = 0; q < a.kernel[1]; q++) {
              const h = i * a.strides[0] - a.pads[0] + p * a.dilations[0];
              const v = j * a.strides[1] - a.pads[1] + q * a.dilations[1];
              if (h < H + a.pads[2] && v < W + a.pads[3]) inPadded++;
              if (h < 0 || h >= H || v < 0 || v >= W) continue;
              const idx = ((n * C + c) * H + h) * W + v;
              const val = x.data[idx]!;
              inside++;
              sum += val;
              if (val > best) {
                best = val;
                bi = idx;
              }
            }
          arg.push(bi);
          y[o] = kind === 'max' ? best : sum / (a.countIncludePad ? inPadded : inside);
        }
  return { y: { dims: [N, C, oH, oW], data: y }, arg };
}

const cases: { name: string; x: number[]; a: Pool2dAttrs }[] = [
  { name: '2x2 stride 2', x: [3, 2, 8, 6], a: pa([2, 2], [2, 2], [0, 0, 0, 0], [1, 1], false, false) },
  { name: 'non-square kernel, odd input', x: [3, 2, 9, 7], a: pa([3, 2], [2, 1], [0, 0, 0, 0], [1, 1], false, false) },
  { name: 'asymmetric pads', x: [3, 2, 7, 8], a: pa([3, 3], [2, 2], [1, 0, 2, 1], [1, 1], false, false) },
  { name: 'asymmetric pads, count_include_pad', x: [3, 2, 7, 8], a: pa([3, 3], [2, 2], [1, 0, 2, 1], [1, 1], false, true) },
  { name: 'ceil mode with partial windows', x: [3, 2, 6, 7], a: pa([3, 3], [2, 2], [0, 0, 0, 0], [1, 1], true, true) },
  { name: 'ceil mode drops a window starting in end padding', x: [3, 1, 4, 5], a: pa([2, 3], [2, 3], [0, 0, 1, 2], [1, 1], true, true) },
  { name: 'ceil mode, pads, exclude pad', x: [3, 2, 5, 6], a: pa([3, 3], [3, 2], [1, 2, 2, 1], [1, 1], true, false) },
  { name: 'dilation 2', x: [3, 2, 9, 8], a: pa([2, 3], [1, 2], [1, 0, 0, 1], [2, 2], false, false) },
  { name: 'dilation 2, ceil mode', x: [3, 2, 8, 7], a: pa([2, 2], [2, 2], [1, 1, 0, 0], [2, 2], true, true) },
];

describe('pool2dOutputDims', () => {
  it('matches sizes observed from onnxruntime', () => {
    const d = (H: number, k: number, s: number, pads: [number, number, number, number], ceil: boolean) =>
      pool2dOutputDims([1, 1, H, H], pa([k, k], [s, s], pads, [1, 1], ceil, false))[2];
    expect(d(4, 2, 2, [0, 0, 1, 1], false)).toBe(2);
    expect(d(4, 2, 2, [0, 0, 1, 1], true)).toBe(2);
    expect(d(5, 3, 3, [0, 0, 2, 2], true)).toBe(2);
    expect(d(6, 3, 2, [0, 0, 0, 0], true)).toBe(3);
    expect(d(6, 3, 2, [0, 0, 0, 0], false)).toBe(2);
    expect(d(5, 3, 2, [1, 1, 1, 1], true)).toBe(3);
    expect(pool2dOutputDims([2, 3, 7, 9], pa([2, 2], [2, 3], [0, 0, 0, 0], [2, 2], true, false))).toEqual([2, 3, 3, 3]);
  });

  it('rejects a kernel larger than the padded input', () => {
    expect(() => pool2dOutputDims([1, 1, 2, 2], pa([3, 3], [1, 1], [0, 0, 0, 0], [1, 1], false, false))).toThrow(RangeError);
    expect(() => pool2dOutputDims([1, 1, 4, 4], pa([0, 3], [1, 1], [0, 0, 0, 0], [1, 1], false, false))).toThrow(/kernel/);
  });
});

describe('pooling against naive loops', () => {
  cases.forEach((tc, k) => {
    it(tc.name, () => {
      const r = seeded(100 + k);
      const x = randomTensor(r, tc.x);

      const mref = naivePool(x, tc.a, 'max');
      const { y, argmax } = maxPool2d(x, tc.a);
      expectClose(y, mref.y);
      expect(Array.from(argmax)).toEqual(mref.arg);

      const dy = randomTensor(r, mref.y.dims);
      const dxRef = new Float64Array(x.data.length);
      mref.arg.forEach((t, i) => (dxRef[t]! += dy.data[i]!));
      expectClose(maxPool2dGrad(dy, argmax, tc.x), { dims: tc.x, data: dxRef });

      const aref = naivePool(x, tc.a, 'avg');
      expectClose(avgPool2d(x, tc.a), aref.y);
    });
  });

  it('avgPool2dGrad matches a naive scatter', () => {
    cases.forEach((tc, k) => {
      const r = seeded(200 + k);
      const [N, C, H, W] = tc.x as [number, number, number, number];
      const ref = naivePool(randomTensor(r, tc.x), tc.a, 'avg');
      const [, , oH, oW] = ref.y.dims as [number, number, number, number];
      const dy = randomTensor(r, ref.y.dims);
      const dx = new Float64Array(N * C * H * W);
      const { kernel, strides: s, pads, dilations: d } = tc.a;
      let o = 0;
      for (let nc = 0; nc < N * C; nc++)
        for (let i = 0; i < oH; i++)
          for (let j = 0; j < oW; j++, o++) {
            const taps: number[] = [];
            let inPadded = 0;
            for (let p = 0; p < kernel[0]; p++)
              for (let q = 0; q < kernel[1]; q++) {
                const h = i * s[0] - pads[0] + p * d[0];
                const v = j * s[1] - pads[1] + q * d[1];
                if (h < H + pads[2] && v < W + pads[3]) inPadded++;
                if (h >= 0 && h < H && v >= 0 && v < W) taps.push((nc * H + h) * W + v);
              }
            const div = tc.a.countIncludePad ? inPadded : taps.length;
            for (const t of taps) dx[t]! += dy.data[o]! / div;
          }
      expectClose(avgPool2dGrad(dy, tc.x, tc.a), { dims: tc.x, data: dx });
    });
  });

  it('gradients are adjoint to the (piecewise) linear forward maps', () => {
    cases.forEach((tc, k) => {
      const r = seeded(300 + k);
      const x = randomTensor(r, tc.x);
      const { y, argmax } = maxPool2d(x, tc.a);
      const dy = randomTensor(r, [...y.dims]);
      expect(Math.abs(dot(y.data, dy.data) - dot(x.data, maxPool2dGrad(dy, argmax, tc.x).data))).toBeLessThan(1e-4);
      const ya = avgPool2d(x, tc.a);
      expect(Math.abs(dot(ya.data, dy.data) - dot(x.data, avgPool2dGrad(dy, tc.x, tc.a).data))).toBeLessThan(1e-4);
    });
  });

  it('keeps the first of tied maxima', () => {
    const x: Tensor = { dims: [1, 1, 2, 2], data: Float32Array.from([3, 3, 3, 3]) };
    const { argmax } = maxPool2d(x, pa([2, 2], [1, 1], [0, 0, 0, 0], [1, 1], false, false));
    expect(Array.from(argmax)).toEqual([0]);
  });

  it('rejects mismatched gradient shapes', () => {
    const a = cases[0]!.a;
    expect(() => avgPool2dGrad(randomTensor(seeded(1), [3, 2, 3, 3]), [3, 2, 8, 6], a)).toThrow(/dy/);
    expect(() => maxPool2dGrad(randomTensor(seeded(1), [3, 2, 4, 3]), new Int32Array(5), [3, 2, 8, 6])).toThrow(/argmax/);
  });
});

describe('pooling against onnxruntime-node', () => {
  const ortAttrs = (a: Pool2dAttrs, withDilations: boolean) => ({
    kernel_shape: a.kernel,
    strides: a.strides,
    pads: a.pads,
    ceil_mode: a.ceilMode ? 1 : 0,
    ...(withDilations ? { dilations: a.dilations } : {}),
  });

  cases.forEach((tc, k) => {
    it(`MaxPool: ${tc.name}`, async () => {
      const x = randomTensor(seeded(400 + k), tc.x);
      const res = await runModel(
        buildSingleNodeModel({
          opType: 'MaxPool',
          inputs: [{ name: 'x', dims: tc.x }],
          outputs: ['y', 'indices'],
          int64Outputs: ['indices'],
          attributes: ortAttrs(tc.a, true),
        }),
        { x },
      );
      const { y, argmax } = maxPool2d(x, tc.a);
      expectClose(y, res['y']!);
      expect(Array.from(argmax)).toEqual(Array.from(res['indices']!.data));
    });

    it(`AveragePool: ${tc.name}`, async () => {
      const x = randomTensor(seeded(500 + k), tc.x);
      const dilated = tc.a.dilations[0] !== 1 || tc.a.dilations[1] !== 1;
      const res = await runModel(
        buildSingleNodeModel({
          opType: 'AveragePool',
          // AveragePool takes dilations from opset 19 on.
          opset: dilated ? 19 : 17,
          inputs: [{ name: 'x', dims: tc.x }],
          outputs: ['y'],
          attributes: { ...ortAttrs(tc.a, dilated), count_include_pad: tc.a.countIncludePad ? 1 : 0 },
        }),
        { x },
      );
      expectClose(avgPool2d(x, tc.a), res['y']!);
    });
  });
});

describe('pooling over 1 and 3 spatial axes', () => {
  const nd = (kernel: number[], strides: number[], pads: number[], dilations: number[], ceilMode: boolean, countIncludePad: boolean): PoolAttrs =>
    ({ kernel, strides, pads, dilations, ceilMode, countIncludePad });
  const ndCases: { name: string; x: number[]; a: PoolAttrs }[] = [
    { name: '1-D with pads and dilation', x: [2, 3, 11], a: nd([3], [2], [1, 2], [2], false, true) },
    { name: '1-D in ceil mode', x: [2, 2, 10], a: nd([3], [2], [0, 0], [1], true, false) },
    { name: '3-D with strides and asymmetric pads', x: [2, 2, 5, 4, 6], a: nd([2, 3, 2], [2, 1, 2], [1, 0, 1, 0, 1, 1], [1, 1, 1], false, false) },
    { name: '3-D with pads counted', x: [1, 2, 4, 5, 5], a: nd([3, 2, 3], [1, 2, 2], [1, 1, 0, 1, 0, 2], [1, 1, 1], false, true) },
    { name: '3-D in ceil mode with dilations', x: [1, 2, 7, 5, 6], a: nd([2, 2, 3], [2, 2, 1], [0, 1, 0, 0, 0, 1], [2, 1, 2], true, true) },
    { name: '3-D windows that tile the input', x: [2, 1, 4, 6, 4], a: nd([2, 3, 2], [2, 3, 2], [0, 0, 0, 0, 0, 0], [1, 1, 1], false, false) },
  ];

  ndCases.forEach((tc, k) => {
    it(`${tc.name}: forward matches onnxruntime-node, gradients satisfy the adjoint identity`, async () => {
      const x = randomTensor(seeded(600 + k), tc.x);
      const base = { kernel_shape: tc.a.kernel, strides: tc.a.strides, pads: tc.a.pads, ceil_mode: tc.a.ceilMode ? 1 : 0, dilations: tc.a.dilations };
      const maxRes = await runModel(buildSingleNodeModel({
        opType: 'MaxPool', inputs: [{ name: 'x', dims: tc.x }], outputs: ['y', 'indices'], int64Outputs: ['indices'], attributes: base,
      }), { x });
      const { y, argmax } = maxPoolNd(x, tc.a);
      expectClose(y, maxRes['y']!);
      expect(Array.from(argmax)).toEqual(Array.from(maxRes['indices']!.data));
      const avgRes = await runModel(buildSingleNodeModel({
        opType: 'AveragePool', opset: 19, inputs: [{ name: 'x', dims: tc.x }], outputs: ['y'],
        attributes: { ...base, count_include_pad: tc.a.countIncludePad ? 1 : 0 },
      }), { x });
      const ya = avgPoolNd(x, tc.a);
      expectClose(ya, avgRes['y']!);
      expect(poolOutputDims(tc.x, tc.a)).toEqual(ya.dims);

      const dy = randomTensor(seeded(700 + k), [...y.dims]);
      expect(Math.abs(dot(y.data, dy.data) - dot(x.data, maxPoolNdGrad(dy, argmax, tc.x).data))).toBeLessThan(1e-4);
      expect(Math.abs(dot(ya.data, dy.data) - dot(x.data, avgPoolNdGrad(dy, tc.x, tc.a).data))).toBeLessThan(1e-4);
    });
  });

  it('rejects a gradient of the wrong shape and attributes of the wrong rank', () => {
    const a = ndCases[2]!.a;
    expect(() => avgPoolNdGrad(randomTensor(seeded(1), [2, 2, 3, 4, 3]), [2, 2, 5, 4, 6], a)).toThrow(/dy/);
    expect(() => poolOutputDims([2, 2, 5, 4], a)).toThrow(RangeError);
    expect(() => poolOutputDims([1, 1, 2, 2, 2], nd([3, 3, 3], [1, 1, 1], [0, 0, 0, 0, 0, 0], [1, 1, 1], false, false))).toThrow(/kernel/);
  });
});
