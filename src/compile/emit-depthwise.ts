/**
 * Depthwise convolutions (group = C input maps = M output maps, one kernel
 * per map) on small maps, as one dense matrix per channel. With P_in input
 * and P_out output positions per map, channel c's convolution is
 *
 *   A_c[o, i] = W[c, t]   where tap t of output position o reads input position i (0 where no tap does)
 *
 * and, with x_c = x[:, c, :] as [N, P_in] and δ_c = ∂E/∂Y[:, c, :] as [N, P_out],
 *
 *   y_c  = x_c · A_cᵀ
 *   ∂x_c = δ_c · A_c
 *   ∂A_c = δ_cᵀ · x_c,    ∂W[c, t] = Σ_{(o, i) read by tap t} ∂A_c[o, i]
 *
 * each one MatMul batched over the C channels (A built by one Gather of W,
 * the tap sum one MatMul by a fixed 0/1 matrix). ONNX Runtime's grouped Conv
 * and ConvTranspose run one small GEMM per image and channel (30,720 of them
 * for 960 maps at batch 32), which on 2×2–4×4 maps costs many times the
 * arithmetic; the dense matrices do at most P_in/K times more multiplies.
 * On larger maps with unit strides the input gradient is a grouped Conv by
 * the flipped kernel (convInputGradByFlipEmit, emit-conv-input.ts) and the
 * weight gradient a few MatMuls over rows (depthwiseWeightGradByRowsEmit).
 */
import type { ConvAttrs } from '../tensor/conv.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { gridOf, reshapeEmit, transposeEmit } from './emit-helpers.js';

/** The largest P_out·P_in of a map for which the dense form is used (4×4 maps; at 8×8 it does 7× the multiplies and no longer wins). */
export const DEPTHWISE_DENSE_MAX = 256;

/** Whether a Conv is depthwise (one input and one output map per group) on maps small enough for the dense form. */
export function isSmallDepthwise(xDims: readonly number[], wDims: readonly number[], yDims: readonly number[], a: ConvAttrs): boolean {
  const C = xDims[1]!;
  return xDims.length >= 3 && a.group === C && wDims[0] === C && wDims[1] === 1 && yDims[1] === C
    && sizeOf(xDims.slice(2)) * sizeOf(yDims.slice(2)) <= DEPTHWISE_DENSE_MAX;
}

/**
 * The tap of each (output position, input position) pair, row-major over
 * (o, i) (over (i, o) when `inputMajor`), K where no tap reads i for o.
 */
function tapTable(inner: readonly number[], kernel: readonly number[], outSizes: readonly number[], a: ConvAttrs, inputMajor: boolean): number[] {
  const K = sizeOf(kernel);
  const Pin = sizeOf(inner);
  const Pout = sizeOf(outSizes);
  const table = new Array<number>(Pout * Pin).fill(K);
  const flat = (pos: readonly number[], dims: readonly number[]) => pos.reduce((acc, p, j) => acc * dims[j]! + p, 0);
  gridOf(outSizes).forEach((o, oi) => {
    gridOf(kernel).forEach((t, ti) => {
      const pos = o.map((v, j) => v * a.strides[j]! - a.pads[j]! + t[j]! * a.dilations[j]!);
      if (pos.some((p, j) => p < 0 || p >= inner[j]!)) return;
      const ii = flat(pos, inner);
      table[inputMajor ? ii * Pout + oi : oi * Pin + ii] = ti;
    });
  });
  return table;
}

/** The per-channel matrices from W [C, 1, k…]: A [C, P_out, P_in], or Aᵀ [C, P_in, P_out] when `transposed`. */
function denseKernelEmit(
  ctx: EmitContext, w: string, wDims: readonly number[], inner: readonly number[], outSizes: readonly number[], a: ConvAttrs, transposed: boolean,
): string {
  const key = `depthwise:${w}:${inner.join(',')}:${outSizes.join(',')}:${a.strides.join(',')}:${a.pads.join(',')}:${a.dilations.join(',')}:${transposed ? 't' : ''}`;
  return ctx.memo(key, () => {
    const C = wDims[0]!;
    const kernel = wDims.slice(2);
    const K = sizeOf(kernel);
    const [Pin, Pout] = [sizeOf(inner), sizeOf(outSizes)];
    // W as [C, K] with a zero column K for the pairs no tap joins
    const wide = ctx.memo(`depthwise-w:${w}`, () => {
      const m = reshapeEmit(ctx, w, wDims, [C, K]);
      const pads = [0, 0, 0, 1];
      const p = ctx.opset >= 11 ? ctx.op('Pad', [m, ctx.ints(pads)]) : ctx.op('Pad', [m], { pads });
      ctx.setDims(p, [C, K + 1]);
      return p;
    });
    const idx = ctx.ints(tapTable(inner, kernel, outSizes, a, transposed));
    const g = ctx.op('Gather', [wide, idx], { axis: 1 });
    ctx.setDims(g, [C, Pout * Pin]);
    return reshapeEmit(ctx, g, [C, Pout * Pin], transposed ? [C, Pin, Pout] : [C, Pout, Pin]);
  });
}

/** v [N, C, …] as [C, N, P] (channel-major), shared by the emitters that read it. */
function channelMajorEmit(ctx: EmitContext, v: string, dims: readonly number[]): string {
  const [N, C] = dims as [number, number];
  const P = sizeOf(dims.slice(2));
  return ctx.memo(`depthwise-cm:${v}`, () => transposeEmit(ctx, reshapeEmit(ctx, v, dims, [N, C, P]), [N, C, P], [1, 0, 2]));
}

/** y = Conv(x, W, B) for a small depthwise Conv: [C, N, P_in] · Aᵀ batched over C, moved back to [N, C, o…] (+ B). */
export function depthwiseForwardEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): string {
  const [N, C] = xDims as [number, number];
  const Pout = sizeOf(yDims.slice(2));
  const At = denseKernelEmit(ctx, w, wDims, xDims.slice(2), yDims.slice(2), a, true);
  const yt = ctx.op('MatMul', [channelMajorEmit(ctx, x, xDims), At]);
  ctx.setDims(yt, [C, N, Pout]);
  const y = reshapeEmit(ctx, transposeEmit(ctx, yt, [C, N, Pout], [1, 0, 2]), [N, C, Pout], yDims);
  if (!bias) return y;
  const b = reshapeEmit(ctx, bias, [C], [C, ...yDims.slice(2).map(() => 1)]);
  const out = ctx.op('Add', [y, b]);
  ctx.setDims(out, yDims);
  return out;
}

/** ∂X of a small depthwise Conv: δ as [C, N, P_out] · A batched over C, moved back to X's dims. */
export function depthwiseInputGradEmit(
  ctx: EmitContext, dy: string, dyDims: readonly number[], w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
): string {
  const [N, C] = xDims as [number, number];
  const Pin = sizeOf(xDims.slice(2));
  const A = denseKernelEmit(ctx, w, wDims, xDims.slice(2), dyDims.slice(2), a, false);
  const dxt = ctx.op('MatMul', [channelMajorEmit(ctx, dy, dyDims), A]);
  ctx.setDims(dxt, [C, N, Pin]);
  return reshapeEmit(ctx, transposeEmit(ctx, dxt, [C, N, Pin], [1, 0, 2]), [N, C, Pin], xDims);
}

/** ∂W of a small depthwise Conv: ∂A = δᵀ · x batched over C, its entries summed per tap by one MatMul with the 0/1 tap matrix. */
export function depthwiseWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[], wDims: readonly number[], a: ConvAttrs,
): string {
  const [N, C] = xDims as [number, number];
  const inner = xDims.slice(2);
  const outSizes = dyDims.slice(2);
  const kernel = wDims.slice(2);
  const K = sizeOf(kernel);
  const [Pin, Pout] = [sizeOf(inner), sizeOf(outSizes)];
  // δ as [C, P_out, N]
  const dyT = transposeEmit(ctx, reshapeEmit(ctx, dy, dyDims, [N, C, Pout]), [N, C, Pout], [1, 2, 0]);
  const dA = ctx.op('MatMul', [dyT, channelMajorEmit(ctx, x, xDims)]);
  ctx.setDims(dA, [C, Pout, Pin]);
  const table = tapTable(inner, kernel, outSizes, a, false);
  const S = new Array<number>(Pout * Pin * K).fill(0);
  table.forEach((t, j) => { if (t < K) S[j * K + t] = 1; });
  const dW = ctx.op('MatMul', [reshapeEmit(ctx, dA, [C, Pout, Pin], [C, Pout * Pin]), ctx.floats(S, [Pout * Pin, K])]);
  ctx.setDims(dW, [C, K]);
  return reshapeEmit(ctx, dW, [C, K], wDims);
}

/**
 * ∂W of a 2-D depthwise Conv on larger maps (opset 10 on, for strided
 * Slices), by rows: with x padded to xp and, per kernel column j, the strided
 * column view xr_j[c, r, (n, w)] = xp[n, c, r, w·s_w + j·d_w] (r over the Hn
 * rows the windows reach),
 *   G_j[c, h, r] = Σ_{n,w} δ[n, c, h, w] · xr_j[c, r, (n, w)]     one MatMul batched over C
 *   ∂W[c, 0, i, j] = Σ_h G_j[c, h, h·s_h + i·d_h]                  a band of G_j
 * The band is read by laying G_j out flat with s_h zeros after each row of
 * Hn, so that entry (h, h·s_h + q) of G_j falls in row h, column q. It does
 * Hn/k_h times the multiplies of the sum itself, but as a few MatMuls over
 * C channels, where ONNX Runtime's grouped Conv builds a K-fold patch matrix
 * per channel and multiplies it by one row. undefined where it does not
 * apply (not 2-D, not depthwise, before opset 10).
 */
export function depthwiseWeightGradByRowsEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[], wDims: readonly number[], a: ConvAttrs,
): string | undefined {
  const [N, C, H, W] = xDims as [number, number, number, number];
  if (xDims.length !== 4 || ctx.opset < 10 || a.group !== C || wDims[0] !== C || wDims[1] !== 1 || dyDims[1] !== C) return undefined;
  const [, , Ho, Wo] = dyDims as [number, number, number, number];
  const [kh, kw] = [wDims[2]!, wDims[3]!];
  const [sh, sw] = a.strides as [number, number];
  const [dh, dw] = a.dilations as [number, number];
  const [pt, pl, pb, pr] = a.pads as [number, number, number, number];
  // the rows and columns of the padded input that some window reads
  const Hn = (Ho - 1) * sh + (kh - 1) * dh + 1;
  const Wn = (Wo - 1) * sw + (kw - 1) * dw + 1;
  const [Hp, Wp] = [H + pt + pb, W + pl + pr];
  if (Hn > Hp || Wn > Wp) return undefined;
  const pads = [0, 0, pt, pl, 0, 0, pb, pr];
  let xp = x;
  if (pads.some((p) => p !== 0)) {
    xp = ctx.opset >= 11 ? ctx.op('Pad', [x, ctx.ints(pads)]) : ctx.op('Pad', [x], { pads });
    ctx.setDims(xp, [N, C, Hp, Wp]);
  }
  // [C, Hp, N, Wp]: each channel's rows, the batch and the columns inside
  const xt = transposeEmit(ctx, xp, [N, C, Hp, Wp], [1, 2, 0, 3]);
  const dyt = reshapeEmit(ctx, transposeEmit(ctx, dy, dyDims, [1, 2, 0, 3]), [C, Ho, N, Wo], [C, Ho, N * Wo]);
  const bands = Array.from({ length: kw }, (_, j) => {
    const cols = ctx.op('Slice', [xt, ctx.ints([0, j * dw]), ctx.ints([Hn, j * dw + (Wo - 1) * sw + 1]), ctx.ints([1, 3]), ctx.ints([1, sw])]);
    ctx.setDims(cols, [C, Hn, N, Wo]);
    const colsT = transposeEmit(ctx, reshapeEmit(ctx, cols, [C, Hn, N, Wo], [C, Hn, N * Wo]), [C, Hn, N * Wo], [0, 2, 1]);
    const g = ctx.op('MatMul', [dyt, colsT]);
    ctx.setDims(g, [C, Ho, Hn]);
    return reshapeEmit(ctx, g, [C, Ho, Hn], [C, 1, Ho * Hn]);
  });
  const G = kw === 1 ? bands[0]! : ctx.op('Concat', bands, { axis: 1 });
  ctx.setDims(G, [C, kw, Ho * Hn]);
  // s_h zeros after each row: entry (h, h·s_h + q) lands at (h, q)
  const padded = ctx.opset >= 11 ? ctx.op('Pad', [G, ctx.ints([0, 0, 0, 0, 0, Ho * sh])]) : ctx.op('Pad', [G], { pads: [0, 0, 0, 0, 0, Ho * sh] });
  ctx.setDims(padded, [C, kw, Ho * (Hn + sh)]);
  const rows = reshapeEmit(ctx, padded, [C, kw, Ho * (Hn + sh)], [C, kw, Ho, Hn + sh]);
  const band = ctx.op('Slice', [rows, ctx.ints([0]), ctx.ints([(kh - 1) * dh + 1]), ctx.ints([3]), ctx.ints([dh])]);
  ctx.setDims(band, [C, kw, Ho, kh]);
  const summed = ctx.opset >= 13 ? ctx.op('ReduceSum', [band, ctx.ints([2])], { keepdims: 0 }) : ctx.op('ReduceSum', [band], { axes: [2], keepdims: 0 });
  ctx.setDims(summed, [C, kw, kh]);
  return reshapeEmit(ctx, transposeEmit(ctx, summed, [C, kw, kh], [0, 2, 1]), [C, kh, kw], wDims);
}
