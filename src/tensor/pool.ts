/**
 * Max and average pooling over 1, 2 or 3 spatial axes with ONNX (and ONNX
 * Runtime) semantics, plus their gradients. Window (i, j) of an [N,C,H,W]
 * input covers rows i·s0 − pt + p·d0 (p < kH) and columns j·s1 − pl + q·d1
 * (q < kW); positions outside the input are padding. 3-D windows add a depth
 * axis in front the same way. The 2-D kernels (the training hot path) have
 * their own loops; the N-D entry points run 1-D pooling as 2-D over H = 1 and
 * 3-D pooling through the 3-D loops.
 */
import { sizeOf, type Tensor } from './tensor.js';

/** Pooling attributes over r spatial axes (r = kernel.length); pads: the r begin pads, then the r end pads. */
export interface PoolAttrs {
  kernel: readonly number[];
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
  ceilMode: boolean;
  countIncludePad: boolean;
}

export interface Pool2dAttrs extends PoolAttrs {
  kernel: [number, number];
  strides: [number, number];
  /** ONNX order: top, left, bottom, right. */
  pads: [number, number, number, number];
  dilations: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
}

function fmt(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

function checkAttrs(a: PoolAttrs, what: string): void {
  const pos: [string, number][] = [
    ...a.kernel.map((v, i): [string, number] => [`kernel[${i}]`, v]),
    ...a.strides.map((v, i): [string, number] => [`strides[${i}]`, v]),
    ...a.dilations.map((v, i): [string, number] => [`dilations[${i}]`, v]),
  ];
  for (const [name, v] of pos) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
  }
  for (const [i, p] of a.pads.entries()) {
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`${what}: pads[${i}] must be a non-negative integer, got ${p}`);
  }
}

/**
 * Pooled length along one axis: floor or ceil((in + pb + pe − ((k−1)·d + 1))/s) + 1.
 * In ceil mode a last window that would start inside the end padding
 * ((out−1)·s ≥ in + pb) is dropped, as ONNX Runtime does.
 */
function pooledSize(inSize: number, k: number, s: number, pb: number, pe: number, d: number, ceil: boolean): number {
  const span = inSize + pb + pe - ((k - 1) * d + 1);
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= inSize + pb) out--;
  return out;
}

/** Output shape [N, C, oH, oW] of pooling an [N,C,H,W] input. */
export function pool2dOutputDims(xDims: readonly number[], a: Pool2dAttrs): number[] {
  if (xDims.length !== 4) throw new RangeError(`pool2d: input must be [N,C,H,W], got ${fmt(xDims)}`);
  checkAttrs(a, 'pool2d');
  const [N, C, H, W] = xDims as [number, number, number, number];
  const oH = pooledSize(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], a.ceilMode);
  const oW = pooledSize(W, a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], a.ceilMode);
  if (oH < 1 || oW < 1) {
    throw new RangeError(`pool2d: kernel [${a.kernel.join(',')}] does not fit input ${fmt(xDims)} with pads [${a.pads.join(',')}]`);
  }
  return [N, C, oH, oW];
}

/**
 * Per output index along one axis: window start (input coordinate), the range
 * [lo, hi) of kernel taps inside the input, and the number of taps inside the
 * padded input [−pb, in + pe) (the count_include_pad divisor factor).
 */
interface AxisWindows {
  start: Int32Array;
  lo: Int32Array;
  hi: Int32Array;
  padded: Int32Array;
}

function axisWindows(inSize: number, k: number, s: number, pb: number, pe: number, d: number, out: number): AxisWindows {
  const start = new Int32Array(out);
  const lo = new Int32Array(out);
  const hi = new Int32Array(out);
  const padded = new Int32Array(out);
  for (let o = 0; o < out; o++) {
    const st = o * s - pb;
    start[o] = st;
    lo[o] = st >= 0 ? 0 : Math.min(k, Math.ceil(-st / d));
    hi[o] = Math.max(lo[o]!, Math.min(k, Math.floor((inSize - 1 - st) / d) + 1));
    padded[o] = Math.max(0, Math.min(k, Math.floor((inSize + pe - 1 - st) / d) + 1));
  }
  return { start, lo, hi, padded };
}

function windows(xDims: readonly number[], a: Pool2dAttrs): { dims: number[]; rows: AxisWindows; cols: AxisWindows } {
  const dims = pool2dOutputDims(xDims, a);
  const rows = axisWindows(xDims[2]!, a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], dims[2]!);
  const cols = axisWindows(xDims[3]!, a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], dims[3]!);
  return { dims, rows, cols };
}

/**
 * ONNX MaxPool: y = max over the in-bounds window taps (padding never wins).
 * argmax[k] is the flat index into x of y[k]'s maximum; the first maximum in
 * row-major window order wins. A window with no in-bounds tap (impossible when
 * every pad is smaller than its kernel, which ONNX Runtime requires) yields
 * y = 0 and argmax = −1.
 */
export function maxPool2d(x: Tensor, a: Pool2dAttrs): { y: Tensor; argmax: Int32Array } {
  const { dims, rows, cols } = windows(x.dims, a);
  const [N, C, oH, oW] = dims as [number, number, number, number];
  const H = x.dims[2]!;
  const W = x.dims[3]!;
  const d0 = a.dilations[0];
  const d1 = a.dilations[1];
  const xd = x.data;
  const y = new Float32Array(N * C * oH * oW);
  const argmax = new Int32Array(y.length);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < oH; i++) {
      const rs = rows.start[i]!;
      const pLo = rows.lo[i]!;
      const pHi = rows.hi[i]!;
      for (let j = 0; j < oW; j++, o++) {
        const cs = cols.start[j]!;
        const qLo = cols.lo[j]!;
        const qHi = cols.hi[j]!;
        let best = 0;
        let bi = -1;
        for (let p = pLo; p < pHi; p++) {
          const rowBase = base + (rs + p * d0) * W + cs;
          for (let q = qLo; q < qHi; q++) {
            const idx = rowBase + q * d1;
            const v = xd[idx]!;
            if (bi < 0 || v > best) {
              best = v;
              bi = idx;
            }
          }
        }
        y[o] = best;
        argmax[o] = bi;
      }
    }
  }
  return { y: { dims, data: y }, argmax };
}

/** Gradient of maxPool2d: dx[argmax[k]] += dy[k] (entries with argmax −1 are skipped). */
export function maxPool2dGrad(dy: Tensor, argmax: Int32Array, xDims: readonly number[]): Tensor {
  if (dy.data.length !== argmax.length) {
    throw new RangeError(`maxPool2dGrad: dy ${fmt(dy.dims)} has ${dy.data.length} values but argmax has ${argmax.length}`);
  }
  const dx = new Float32Array(sizeOf(xDims));
  const g = dy.data;
  for (let k = 0; k < argmax.length; k++) {
    const t = argmax[k]!;
    if (t >= 0) dx[t] = dx[t]! + g[k]!;
  }
  return { dims: [...xDims], data: dx };
}

/**
 * Divisor of each window: taps inside the padded input [−pb, in + pe) when
 * countIncludePad (taps that ceil mode pushes past the padded border never
 * count), otherwise taps inside the input.
 */
function divisor(rows: AxisWindows, cols: AxisWindows, i: number, j: number, countIncludePad: boolean): number {
  return countIncludePad
    ? rows.padded[i]! * cols.padded[j]!
    : (rows.hi[i]! - rows.lo[i]!) * (cols.hi[j]! - cols.lo[j]!);
}

/** ONNX AveragePool: y = (Σ of the in-bounds window taps) / divisor (see `divisor`); 0 for an empty window. */
export function avgPool2d(x: Tensor, a: Pool2dAttrs): Tensor {
  const { dims, rows, cols } = windows(x.dims, a);
  const [N, C, oH, oW] = dims as [number, number, number, number];
  const H = x.dims[2]!;
  const W = x.dims[3]!;
  const d0 = a.dilations[0];
  const d1 = a.dilations[1];
  const xd = x.data;
  const y = new Float32Array(N * C * oH * oW);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < oH; i++) {
      const rs = rows.start[i]!;
      const pLo = rows.lo[i]!;
      const pHi = rows.hi[i]!;
      for (let j = 0; j < oW; j++, o++) {
        const cs = cols.start[j]!;
        const qLo = cols.lo[j]!;
        const qHi = cols.hi[j]!;
        let s = 0;
        for (let p = pLo; p < pHi; p++) {
          const rowBase = base + (rs + p * d0) * W + cs;
          for (let q = qLo; q < qHi; q++) s += xd[rowBase + q * d1]!;
        }
        const div = divisor(rows, cols, i, j, a.countIncludePad);
        y[o] = div > 0 ? s / div : 0;
      }
    }
  }
  return { dims, data: y };
}

/** Gradient of avgPool2d: every in-bounds tap of window k receives dy[k] / divisor_k. */
export function avgPool2dGrad(dy: Tensor, xDims: readonly number[], a: Pool2dAttrs): Tensor {
  const { dims, rows, cols } = windows(xDims, a);
  if (dy.dims.length !== 4 || dy.dims.some((d, i) => d !== dims[i])) {
    throw new RangeError(`avgPool2dGrad: dy ${fmt(dy.dims)} does not match the pooled shape ${fmt(dims)}`);
  }
  const [N, C, oH, oW] = dims as [number, number, number, number];
  const H = xDims[2]!;
  const W = xDims[3]!;
  const d0 = a.dilations[0];
  const d1 = a.dilations[1];
  const g = dy.data;
  const dx = new Float32Array(N * C * H * W);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < oH; i++) {
      const rs = rows.start[i]!;
      const pLo = rows.lo[i]!;
      const pHi = rows.hi[i]!;
      for (let j = 0; j < oW; j++, o++) {
        const div = divisor(rows, cols, i, j, a.countIncludePad);
        if (div === 0) continue;
        const v = g[o]! / div;
        const cs = cols.start[j]!;
        const qLo = cols.lo[j]!;
        const qHi = cols.hi[j]!;
        for (let p = pLo; p < pHi; p++) {
          const rowBase = base + (rs + p * d0) * W + cs;
          for (let q = qLo; q < qHi; q++) dx[rowBase + q * d1] = dx[rowBase + q * d1]! + v;
        }
      }
    }
  }
  return { dims: [...xDims], data: dx };
}

/** Output shape [N, C, o…] of pooling an input [N, C, in…] with 1–3 spatial axes. */
export function poolOutputDims(xDims: readonly number[], a: PoolAttrs): number[] {
  const r = xDims.length - 2;
  if (r < 1 || r > 3) throw new RangeError(`pool: input must be [N,C] and 1 to 3 spatial axes, got ${fmt(xDims)}`);
  if (a.kernel.length !== r || a.strides.length !== r || a.dilations.length !== r || a.pads.length !== 2 * r) {
    throw new RangeError(`pool: kernel, strides, dilations and pads must have ${r}, ${r}, ${r} and ${2 * r} values for input ${fmt(xDims)}`);
  }
  if (r === 2) return pool2dOutputDims(xDims, a as Pool2dAttrs);
  checkAttrs(a, 'pool');
  const out = xDims.slice(2).map((n, i) => pooledSize(n, a.kernel[i]!, a.strides[i]!, a.pads[i]!, a.pads[r + i]!, a.dilations[i]!, a.ceilMode));
  if (out.some((o) => o < 1)) {
    throw new RangeError(`pool: kernel [${a.kernel.join(',')}] does not fit input ${fmt(xDims)} with pads [${a.pads.join(',')}]`);
  }
  return [xDims[0]!, xDims[1]!, ...out];
}

/** The 2-D form of 1-D pooling: [N,C,L] as [N,C,1,L] with a unit window along H. */
function as2d(xDims: readonly number[], a: PoolAttrs): { dims: number[]; attrs: Pool2dAttrs } {
  const [N, C, L] = xDims as [number, number, number];
  return {
    dims: [N, C, 1, L],
    attrs: {
      kernel: [1, a.kernel[0]!], strides: [1, a.strides[0]!], pads: [0, a.pads[0]!, 0, a.pads[1]!],
      dilations: [1, a.dilations[0]!], ceilMode: a.ceilMode, countIncludePad: a.countIncludePad,
    },
  };
}

/** The windows of a 3-D input along its depth, rows and columns. */
function windows3d(xDims: readonly number[], a: PoolAttrs): { dims: number[]; axes: AxisWindows[] } {
  const dims = poolOutputDims(xDims, a);
  const axes = [0, 1, 2].map((i) => axisWindows(xDims[2 + i]!, a.kernel[i]!, a.strides[i]!, a.pads[i]!, a.pads[3 + i]!, a.dilations[i]!, dims[2 + i]!));
  return { dims, axes };
}

/** Calls f(window index, flat input index of every in-bounds tap in window order) for each 3-D window. */
function eachWindow3d(
  xDims: readonly number[], a: PoolAttrs, dims: readonly number[], axes: AxisWindows[],
  f: (o: number, taps: Int32Array, count: number, t: number, i: number, j: number) => void,
): void {
  const [N, C, D, H, W] = xDims as [number, number, number, number, number];
  const [, , oD, oH, oW] = dims as [number, number, number, number, number];
  const [dp, rows, cols] = axes as [AxisWindows, AxisWindows, AxisWindows];
  const [dd, d0, d1] = a.dilations as [number, number, number];
  const taps = new Int32Array(a.kernel[0]! * a.kernel[1]! * a.kernel[2]!);
  let o = 0;
  for (let plane = 0; plane < N * C; plane++) {
    const base = plane * D * H * W;
    for (let t = 0; t < oD; t++) {
      for (let i = 0; i < oH; i++) {
        for (let j = 0; j < oW; j++, o++) {
          let n = 0;
          for (let e = dp.lo[t]!; e < dp.hi[t]!; e++) {
            const depthBase = base + (dp.start[t]! + e * dd) * H * W;
            for (let p = rows.lo[i]!; p < rows.hi[i]!; p++) {
              const rowBase = depthBase + (rows.start[i]! + p * d0) * W + cols.start[j]!;
              for (let q = cols.lo[j]!; q < cols.hi[j]!; q++) taps[n++] = rowBase + q * d1;
            }
          }
          f(o, taps, n, t, i, j);
        }
      }
    }
  }
}

function divisor3d(axes: AxisWindows[], t: number, i: number, j: number, countIncludePad: boolean): number {
  const [dp, rows, cols] = axes as [AxisWindows, AxisWindows, AxisWindows];
  return countIncludePad
    ? dp.padded[t]! * rows.padded[i]! * cols.padded[j]!
    : (dp.hi[t]! - dp.lo[t]!) * (rows.hi[i]! - rows.lo[i]!) * (cols.hi[j]! - cols.lo[j]!);
}

/**
 * ONNX MaxPool over 1–3 spatial axes, as maxPool2d: argmax[k] is the flat
 * index into x of y[k]'s maximum, the first in window order winning ties.
 */
export function maxPoolNd(x: Tensor, a: PoolAttrs): { y: Tensor; argmax: Int32Array } {
  const r = x.dims.length - 2;
  if (r === 2) return maxPool2d(x, a as Pool2dAttrs);
  if (r === 1) {
    const v = as2d(x.dims, a);
    const { y, argmax } = maxPool2d({ dims: v.dims, data: x.data }, v.attrs);
    return { y: { dims: poolOutputDims(x.dims, a), data: y.data }, argmax };
  }
  const { dims, axes } = windows3d(x.dims, a);
  const y = new Float32Array(sizeOf(dims));
  const argmax = new Int32Array(y.length);
  const xd = x.data;
  eachWindow3d(x.dims, a, dims, axes, (o, taps, n) => {
    let best = 0;
    let bi = -1;
    for (let k = 0; k < n; k++) {
      const v = xd[taps[k]!]!;
      if (bi < 0 || v > best) {
        best = v;
        bi = taps[k]!;
      }
    }
    y[o] = best;
    argmax[o] = bi;
  });
  return { y: { dims, data: y }, argmax };
}

/** Gradient of maxPoolNd: dx[argmax[k]] += dy[k], whatever the rank. */
export function maxPoolNdGrad(dy: Tensor, argmax: Int32Array, xDims: readonly number[]): Tensor {
  return maxPool2dGrad(dy, argmax, xDims);
}

/** ONNX AveragePool over 1–3 spatial axes, as avgPool2d. */
export function avgPoolNd(x: Tensor, a: PoolAttrs): Tensor {
  const r = x.dims.length - 2;
  if (r === 2) return avgPool2d(x, a as Pool2dAttrs);
  if (r === 1) {
    const v = as2d(x.dims, a);
    return { dims: poolOutputDims(x.dims, a), data: avgPool2d({ dims: v.dims, data: x.data }, v.attrs).data };
  }
  const { dims, axes } = windows3d(x.dims, a);
  const y = new Float32Array(sizeOf(dims));
  const xd = x.data;
  eachWindow3d(x.dims, a, dims, axes, (o, taps, n, t, i, j) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += xd[taps[k]!]!;
    const div = divisor3d(axes, t, i, j, a.countIncludePad);
    y[o] = div > 0 ? s / div : 0;
  });
  return { dims, data: y };
}

/** Gradient of avgPoolNd: every in-bounds tap of window k receives dy[k] / divisor_k. */
export function avgPoolNdGrad(dy: Tensor, xDims: readonly number[], a: PoolAttrs): Tensor {
  const r = xDims.length - 2;
  if (r === 2) return avgPool2dGrad(dy, xDims, a as Pool2dAttrs);
  if (r === 1) {
    const v = as2d(xDims, a);
    const [N, C, oL] = dy.dims as [number, number, number];
    return { dims: [...xDims], data: avgPool2dGrad({ dims: [N, C, 1, oL], data: dy.data }, v.dims, v.attrs).data };
  }
  const { dims, axes } = windows3d(xDims, a);
  if (dy.dims.length !== 5 || dy.dims.some((d, i) => d !== dims[i])) {
    throw new RangeError(`avgPoolNdGrad: dy ${fmt(dy.dims)} does not match the pooled shape ${fmt(dims)}`);
  }
  const g = dy.data;
  const dx = new Float32Array(sizeOf(xDims));
  eachWindow3d(xDims, a, dims, axes, (o, taps, n, t, i, j) => {
    const div = divisor3d(axes, t, i, j, a.countIncludePad);
    if (div === 0) return;
    const v = g[o]! / div;
    for (let k = 0; k < n; k++) dx[taps[k]!] = dx[taps[k]!]! + v;
  });
  return { dims: [...xDims], data: dx };
}
