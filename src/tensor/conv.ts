/**
 * Convolution over 1, 2 or 3 spatial axes (ONNX Conv: cross-correlation with
 * strides, asymmetric pads, dilations and groups) and its two gradients, all
 * through im2col + GEMM. Every form runs as the 3-D one, fewer axes having
 * unit size in front (1-D [L] as [1,1,L], 2-D [H,W] as [1,H,W]), so the 2-D
 * path only gains a one-trip loop per column-matrix row.
 *
 * With Cg = C/group input channels and Mg = M/group output channels per group,
 * the column matrix of one image and group is
 *   col[((c·kD + a)·kH + p)·kW + q, (t·oH + i)·oW + j]
 *     = x[g·Cg + c, t·sD − pf + a·dD, i·s0 − pt + p·d0, j·s1 − pl + q·d1]
 * (0 outside the input), and the three kernels are
 *   y_g  = W_g · col             (W_g is w's rows of group g, shape [Mg, Cg·kD·kH·kW])
 *   dx   = col2im(W_gᵀ · dy_g)    (scatter-add of the column gradient)
 *   dW_g = Σ_n dy_g · colᵀ
 */
import { gemmAccumulate } from './matmul.js';
import { sizeOf, stridesOf, type Tensor } from './tensor.js';

/**
 * The attributes of a convolution over r spatial axes (r = strides.length):
 * pads in ONNX order, the r begin pads then the r end pads.
 */
export interface ConvAttrs {
  strides: readonly number[];
  pads: readonly number[];
  dilations: readonly number[];
  group: number;
}

/** The 2-D form of ConvAttrs. */
export interface Conv2dAttrs extends ConvAttrs {
  strides: [number, number];
  /** ONNX order: top, left, bottom, right. */
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}

/** Output length of a 1-D convolution: floor((in + pb + pe − d·(k−1) − 1)/s) + 1. */
export function convOutputSize(
  inSize: number,
  k: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
): number {
  return Math.floor((inSize + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
}

/** Three spatial axes (D, H, W); fewer are lifted with unit sizes in front. */
interface Geometry {
  N: number;
  C: number;
  D: number;
  H: number;
  W: number;
  M: number;
  G: number;
  Cg: number;
  Mg: number;
  kD: number;
  kH: number;
  kW: number;
  oD: number;
  oH: number;
  oW: number;
  sD: number;
  s0: number;
  s1: number;
  pf: number;
  pt: number;
  pl: number;
  dD: number;
  d0: number;
  d1: number;
  /** Rows of the column matrix: Cg·kD·kH·kW. */
  ckk: number;
  /** Columns of the column matrix: oD·oH·oW. */
  ohw: number;
  /** Elements of one input channel: D·H·W. */
  plane: number;
  /** The output's spatial dims, in the input's rank. */
  out: number[];
  /** im2col is the identity (1×1 kernel, unit stride, no padding). */
  pointwise: boolean;
}

function fmt(dims: readonly number[]): string {
  return `[${dims.join(',')}]`;
}

function positiveInt(v: number, what: string, name: string): void {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
}

function geometry(xDims: readonly number[], wDims: readonly number[], a: ConvAttrs, what: string): Geometry {
  const r = xDims.length - 2;
  if (r < 1 || r > 3) throw new RangeError(`${what}: input must be [N,C] and 1 to 3 spatial axes, got ${fmt(xDims)}`);
  if (wDims.length !== r + 2) throw new RangeError(`${what}: weight ${fmt(wDims)} does not match input ${fmt(xDims)}`);
  if (a.strides.length !== r || a.dilations.length !== r || a.pads.length !== 2 * r) {
    throw new RangeError(`${what}: strides, dilations and pads must have ${r}, ${r} and ${2 * r} values for input ${fmt(xDims)}`);
  }
  const [N, C] = xDims as [number, number];
  const [M, Cg] = wDims as [number, number];
  const G = a.group;
  positiveInt(G, what, 'group');
  for (const [i, s] of a.strides.entries()) positiveInt(s, what, `strides[${i}]`);
  for (const [i, d] of a.dilations.entries()) positiveInt(d, what, `dilations[${i}]`);
  for (const [i, p] of a.pads.entries()) {
    if (!Number.isInteger(p) || p < 0) throw new RangeError(`${what}: pads[${i}] must be a non-negative integer, got ${p}`);
  }
  if (C % G !== 0 || Cg !== C / G || M % G !== 0) {
    throw new RangeError(`${what}: input ${fmt(xDims)} and weight ${fmt(wDims)} do not fit group=${G}`);
  }
  const out = xDims.slice(2).map((n, i) => convOutputSize(n, wDims[2 + i]!, a.strides[i]!, a.pads[i]!, a.pads[r + i]!, a.dilations[i]!));
  if (out.some((o) => o < 1)) {
    throw new RangeError(`${what}: kernel ${fmt(wDims)} does not fit input ${fmt(xDims)} with pads [${a.pads.join(',')}]`);
  }
  // Lift to three axes: axis e of the 3-D form is axis e − (3 − r) of the input's, unit size before it.
  const lift = (v: readonly number[], unit: number, off = 0) => [0, 1, 2].map((e) => (e < 3 - r ? unit : v[off + e - (3 - r)]!));
  const [D, H, W] = lift(xDims, 1, 2) as [number, number, number];
  const [kD, kH, kW] = lift(wDims, 1, 2) as [number, number, number];
  const [oD, oH, oW] = lift(out, 1) as [number, number, number];
  const [sD, s0, s1] = lift(a.strides, 1) as [number, number, number];
  const [dD, d0, d1] = lift(a.dilations, 1) as [number, number, number];
  const [pf, pt, pl] = lift(a.pads, 0) as [number, number, number];
  const pointwise = kD * kH * kW === 1 && sD * s0 * s1 === 1 && a.pads.every((p) => p === 0);
  return {
    N, C, D, H, W, M, G, Cg, Mg: M / G, kD, kH, kW, oD, oH, oW, sD, s0, s1, pf, pt, pl, dD, d0, d1,
    ckk: Cg * kD * kH * kW, ohw: oD * oH * oW, plane: D * H * W, out, pointwise,
  };
}

/**
 * First output index o in [0, count) whose input position o·s + shift is ≥ 0,
 * and one past the last whose position is < size; positions outside are padding.
 */
function validLo(shift: number, s: number): number {
  return shift >= 0 ? 0 : Math.ceil(-shift / s);
}
function validHi(shift: number, s: number, size: number, count: number): number {
  const last = size - 1 - shift;
  return last < 0 ? 0 : Math.min(count, Math.floor(last / s) + 1);
}

/**
 * Writes the in-bounds entries of one image/group's column matrix. Entries that
 * fall in padding depend only on the geometry, so a zero-initialised `col`
 * stays correct across calls.
 */
function im2col(x: Float32Array, xOff: number, g: Geometry, col: Float32Array): void {
  const { Cg, D, H, W, kD, kH, kW, oD, oH, oW, sD, s0, s1, pf, pt, pl, dD, d0, d1, ohw, plane } = g;
  const HW = H * W;
  const oHW = oH * oW;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const xc = xOff + c * plane;
    for (let e = 0; e < kD; e++) {
      const depthShift = e * dD - pf;
      const tLo = validLo(depthShift, sD);
      const tHi = validHi(depthShift, sD, D, oD);
      for (let p = 0; p < kH; p++) {
        const rowShift = p * d0 - pt;
        const iLo = validLo(rowShift, s0);
        const iHi = validHi(rowShift, s0, H, oH);
        for (let q = 0; q < kW; q++, r++) {
          const colShift = q * d1 - pl;
          const jLo = validLo(colShift, s1);
          const jHi = validHi(colShift, s1, W, oW);
          for (let t = tLo; t < tHi; t++) {
            const xs = xc + (t * sD + depthShift) * HW + colShift;
            const rowOff = r * ohw + t * oHW;
            for (let i = iLo; i < iHi; i++) {
              const src = xs + (i * s0 + rowShift) * W;
              const dst = rowOff + i * oW;
              if (s1 === 1) {
                for (let j = jLo; j < jHi; j++) col[dst + j] = x[src + j]!;
              } else {
                for (let j = jLo; j < jHi; j++) col[dst + j] = x[src + j * s1]!;
              }
            }
          }
        }
      }
    }
  }
}

/** Adjoint of im2col: scatter-adds the column-matrix gradient into dx. */
function col2im(dcol: Float32Array, g: Geometry, dx: Float32Array, xOff: number): void {
  const { Cg, D, H, W, kD, kH, kW, oD, oH, oW, sD, s0, s1, pf, pt, pl, dD, d0, d1, ohw, plane } = g;
  const HW = H * W;
  const oHW = oH * oW;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const xc = xOff + c * plane;
    for (let e = 0; e < kD; e++) {
      const depthShift = e * dD - pf;
      const tLo = validLo(depthShift, sD);
      const tHi = validHi(depthShift, sD, D, oD);
      for (let p = 0; p < kH; p++) {
        const rowShift = p * d0 - pt;
        const iLo = validLo(rowShift, s0);
        const iHi = validHi(rowShift, s0, H, oH);
        for (let q = 0; q < kW; q++, r++) {
          const colShift = q * d1 - pl;
          const jLo = validLo(colShift, s1);
          const jHi = validHi(colShift, s1, W, oW);
          for (let t = tLo; t < tHi; t++) {
            const xs = xc + (t * sD + depthShift) * HW + colShift;
            const rowOff = r * ohw + t * oHW;
            for (let i = iLo; i < iHi; i++) {
              const dst = xs + (i * s0 + rowShift) * W;
              const src = rowOff + i * oW;
              if (s1 === 1) {
                for (let j = jLo; j < jHi; j++) dx[dst + j] = dx[dst + j]! + dcol[src + j]!;
              } else {
                for (let j = jLo; j < jHi; j++) dx[dst + j * s1] = dx[dst + j * s1]! + dcol[src + j]!;
              }
            }
          }
        }
      }
    }
  }
}

function check2d(xDims: readonly number[], wDims: readonly number[], what: string): void {
  if (xDims.length !== 4) throw new RangeError(`${what}: input must be [N,C,H,W], got ${fmt(xDims)}`);
  if (wDims.length !== 4) throw new RangeError(`${what}: weight must be [M,C/group,kH,kW], got ${fmt(wDims)}`);
}

function convForward(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvAttrs, what: string): Tensor {
  const g = geometry(x.dims, w.dims, a, what);
  const { N, C, M, G, Cg, Mg, ckk, ohw, plane } = g;
  if (b !== undefined && (b.data.length !== M || b.dims.length !== 1)) {
    throw new RangeError(`${what}: bias ${fmt(b.dims)} does not match ${M} output channels`);
  }
  const y = new Float32Array(N * M * ohw);
  if (b !== undefined) {
    for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) y.fill(b.data[m]!, (n * M + m) * ohw, (n * M + m + 1) * ohw);
  }
  const col = g.pointwise ? x.data : new Float32Array(ckk * ohw);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xOff = (n * C + gi * Cg) * plane;
      if (!g.pointwise) im2col(x.data, xOff, g, col);
      gemmAccumulate(Mg, ohw, ckk, w.data, gi * Mg * ckk, false, col, g.pointwise ? xOff : 0, false, y, (n * M + gi * Mg) * ohw);
    }
  }
  return { dims: [N, M, ...g.out], data: y };
}

function checkDy(dy: Tensor, g: Geometry, what: string): void {
  const want = [g.N, g.M, ...g.out];
  if (dy.dims.length !== want.length || dy.dims.some((d, i) => d !== want[i])) {
    throw new RangeError(`${what}: dy ${fmt(dy.dims)} does not match the convolution output ${fmt(want)}`);
  }
}

function convInputGrad(dy: Tensor, w: Tensor, xDims: readonly number[], a: ConvAttrs, what: string): Tensor {
  const g = geometry(xDims, w.dims, a, what);
  checkDy(dy, g, what);
  const { N, C, M, G, Cg, Mg, ckk, ohw, plane } = g;
  const dx = new Float32Array(N * C * plane);
  const dcol = g.pointwise ? dx : new Float32Array(ckk * ohw);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xOff = (n * C + gi * Cg) * plane;
      const dyOff = (n * M + gi * Mg) * ohw;
      if (g.pointwise) {
        gemmAccumulate(ckk, ohw, Mg, w.data, gi * Mg * ckk, true, dy.data, dyOff, false, dx, xOff);
      } else {
        dcol.fill(0);
        gemmAccumulate(ckk, ohw, Mg, w.data, gi * Mg * ckk, true, dy.data, dyOff, false, dcol, 0);
        col2im(dcol, g, dx, xOff);
      }
    }
  }
  return { dims: [...xDims], data: dx };
}

function convWeightGrad(x: Tensor, dy: Tensor, wDims: readonly number[], a: ConvAttrs, what: string): Tensor {
  const g = geometry(x.dims, wDims, a, what);
  checkDy(dy, g, what);
  const { N, C, M, G, Cg, Mg, ckk, ohw, plane } = g;
  const dw = new Float32Array(M * ckk);
  const col = g.pointwise ? x.data : new Float32Array(ckk * ohw);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < G; gi++) {
      const xOff = (n * C + gi * Cg) * plane;
      if (!g.pointwise) im2col(x.data, xOff, g, col);
      gemmAccumulate(Mg, ckk, ohw, dy.data, (n * M + gi * Mg) * ohw, false, col, g.pointwise ? xOff : 0, true, dw, gi * Mg * ckk);
    }
  }
  return { dims: [...wDims], data: dw };
}

/**
 * ONNX Conv forward over 1–3 spatial axes: y[n,m,o…] = b[m] + Σ_{c,k…} w[m,c,k…] ·
 * x[n, g·Cg + c, o_a·s_a − pb_a + k_a·d_a …] with g = floor(m/Mg) and x = 0
 * outside the input. x is [N,C,…], w is [M,C/group,k…], y is [N,M,o…].
 */
export function convNd(x: Tensor, w: Tensor, b: Tensor | undefined, a: ConvAttrs): Tensor {
  return convForward(x, w, b, a, 'convNd');
}

/** Gradient of convNd with respect to x (the transposed convolution); positions no window reaches get 0. */
export function convNdInputGrad(dy: Tensor, w: Tensor, xDims: readonly number[], a: ConvAttrs): Tensor {
  return convInputGrad(dy, w, xDims, a, 'convNdInputGrad');
}

/** Gradient of convNd with respect to w: dw[m,c,k…] = Σ_{n,o…} dy[n,m,o…] · x[n, g·Cg + c, o·s − pb + k·d …]. */
export function convNdWeightGrad(x: Tensor, dy: Tensor, wDims: readonly number[], a: ConvAttrs): Tensor {
  return convWeightGrad(x, dy, wDims, a, 'convNdWeightGrad');
}

/**
 * ONNX Conv forward: y[n,m,i,j] = b[m] + Σ_{c,p,q} w[m,c,p,q] ·
 * x[n, g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1] with g = floor(m/Mg) and
 * x = 0 outside the input. x is [N,C,H,W], w is [M,C/group,kH,kW], y is [N,M,oH,oW].
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | undefined, a: Conv2dAttrs): Tensor {
  check2d(x.dims, w.dims, 'conv2d');
  return convForward(x, w, b, a, 'conv2d');
}

/**
 * Gradient of conv2d with respect to x (the transposed convolution):
 * dx[n, g·Cg + c, h, v] = Σ over (m in group g, i, j, p, q) with
 * i·s0 − pt + p·d0 = h and j·s1 − pl + q·d1 = v of dy[n,m,i,j]·w[m,c,p,q].
 * Input positions that no output window reaches get 0.
 */
export function conv2dInputGrad(dy: Tensor, w: Tensor, xDims: readonly number[], a: Conv2dAttrs): Tensor {
  check2d(xDims, w.dims, 'conv2dInputGrad');
  return convInputGrad(dy, w, xDims, a, 'conv2dInputGrad');
}

/**
 * Gradient of conv2d with respect to w:
 * dw[m,c,p,q] = Σ_{n,i,j} dy[n,m,i,j] · x[n, g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1]
 * (x = 0 outside the input), g = floor(m/Mg).
 */
export function conv2dWeightGrad(x: Tensor, dy: Tensor, wDims: readonly number[], a: Conv2dAttrs): Tensor {
  check2d(x.dims, wDims, 'conv2dWeightGrad');
  return convWeightGrad(x, dy, wDims, a, 'conv2dWeightGrad');
}

/** The leading part of t: the first dims[a] entries along every axis a (dims[a] ≤ t.dims[a]). */
export function cropEnd(t: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== t.dims.length || dims.some((d, a) => d < 0 || d > t.dims[a]!)) {
    throw new RangeError(`cropEnd: ${fmt(dims)} is not a leading part of ${fmt(t.dims)}`);
  }
  if (dims.every((d, a) => d === t.dims[a])) return t;
  const out = new Float32Array(sizeOf(dims));
  const from = stridesOf(t.dims);
  const r = dims.length;
  const inner = dims[r - 1]!;
  const rows = inner === 0 ? 0 : out.length / inner;
  const idx = new Array<number>(r).fill(0);
  for (let row = 0; row < rows; row++) {
    let src = 0;
    for (let a = 0; a < r - 1; a++) src += idx[a]! * from[a]!;
    out.set(t.data.subarray(src, src + inner), row * inner);
    for (let a = r - 2; a >= 0; a--) {
      if (++idx[a]! < dims[a]!) break;
      idx[a] = 0;
    }
  }
  return { dims: [...dims], data: out };
}

/** Bias gradient of a channel-first output: db[m] = Σ_{n, spatial} dy[n,m,...]. */
export function reduceBiasGrad(dy: Tensor): Tensor {
  if (dy.dims.length < 2) throw new RangeError(`reduceBiasGrad: dy must be [N,M,...], got ${fmt(dy.dims)}`);
  const N = dy.dims[0]!;
  const M = dy.dims[1]!;
  const inner = sizeOf(dy.dims.slice(2));
  const out = new Float32Array(M);
  const d = dy.data;
  for (let m = 0; m < M; m++) {
    let s = 0;
    for (let n = 0; n < N; n++) {
      const off = (n * M + m) * inner;
      for (let k = 0; k < inner; k++) s += d[off + k]!;
    }
    out[m] = s;
  }
  return { dims: [M], data: out };
}
