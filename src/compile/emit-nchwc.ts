/**
 * Depthwise convolutions (2-D, group = C maps, one kernel per map) on ONNX
 * Runtime's NCHWc CPU kernels (the com.microsoft.nchwc domain of
 * onnxruntime-node), where C is a multiple of the kernels' channel block B
 * (EmitContext.nchwcBlock). ONNX Runtime's inference sessions move constant
 * weights into this layout themselves; in the step the weights are inputs,
 * so the step lays them out, and the NCHWc Conv runs a depthwise layer as
 * one vectorised pass instead of a small GEMM per image and map (MobileNetV2's
 * 96-map stride-2 layer at batch 32: 3.6 ms against 7.7, its 144-map one at
 * 16×16 1.1 against 4.5, bench/profile-conv-grads.ts).
 *
 * Layouts: ReorderInput turns x [N, C, H, W] into blocks [N, C/B, H, W, B]
 * (the shape stays [N, C, H, W]); a depthwise kernel W [C, 1, kh, kw] is read
 * as [C/B, kh·kw, B] (OIHWBo): W reshaped to [C/B, B, kh·kw], its last axes
 * swapped. With those,
 *
 *   y      = Conv_nchwc(x, W)                                  the forward pass
 *   ∂x     = Conv_nchwc(δ, W↻; pads (k−1)·d − p)               unit strides: the kernel's taps reversed
 *   ∂W[c,t] = Σ_n Conv_nchwc(x as [1, N·C, H, W], δ as [N·C, 1, Ho, Wo];
 *                            group N·C, strides d, dilations s)[n·C + c, t]
 *
 * The last one reads each image's map as a kernel over the same map of x: x
 * blocked as N·C maps and δ blocked as N·C kernels have the very layouts that
 * ReorderInput gives [N, C, …] (C is a multiple of B), so the blocked x of
 * the forward pass and the blocked δ of the input gradient are read again.
 * Its end pads p′ = (k−1)·d + (Ho−1)·s + 1 − H − p_begin make the result k
 * wide; a layer whose last rows no window reads (p′ < 0) keeps the other
 * forms.
 */
import type { ConvAttrs } from '../tensor/conv.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { reduceSumEmit, reshapeEmit, transposeEmit } from './emit-helpers.js';

/** The domain of ONNX Runtime's NCHWc CPU kernels. */
export const NCHWC_DOMAIN = 'com.microsoft.nchwc';

/** Whether a Conv is a 2-D depthwise one the NCHWc kernels can run here: C maps, one kernel each, C a multiple of the block. */
export function isNchwcDepthwise(ctx: EmitContext, xDims: readonly number[], wDims: readonly number[], yDims: readonly number[], a: ConvAttrs): boolean {
  const B = ctx.nchwcBlock;
  const C = xDims[1]!;
  return B !== undefined && xDims.length === 4 && a.group === C && wDims[0] === C && wDims[1] === 1 && yDims[1] === C && C % B === 0;
}

/** v [N, C, H, W] in NCHWc blocks (one ReorderInput per value, shared by every emitter that asks). */
function blockedEmit(ctx: EmitContext, v: string, dims: readonly number[]): string {
  return ctx.memo(`nchwc-in:${v}`, () => {
    const b = ctx.opIn(NCHWC_DOMAIN, 'ReorderInput', [v]);
    ctx.setDims(b, dims);
    return b;
  });
}

/** A blocked value [N, C, H, W] back in plain NCHW. */
function unblockEmit(ctx: EmitContext, b: string, dims: readonly number[]): string {
  const y = ctx.opIn(NCHWC_DOMAIN, 'ReorderOutput', [b], { channels: dims[1]! });
  ctx.setDims(y, dims);
  return y;
}

/** The depthwise kernel W [C, 1, kh, kw] in the blocked layout [C/B, kh·kw, B], its taps reversed when `flipped`; dims stay W's. */
function blockedKernelEmit(ctx: EmitContext, w: string, wDims: readonly number[], flipped: boolean): string {
  return ctx.memo(`nchwc-w:${w}:${flipped ? 'flip' : ''}`, () => {
    const B = ctx.nchwcBlock!;
    const C = wDims[0]!;
    const K = sizeOf(wDims.slice(2));
    let t = transposeEmit(ctx, reshapeEmit(ctx, w, wDims, [C / B, B, K]), [C / B, B, K], [0, 2, 1]);
    if (flipped) {
      t = ctx.op('Gather', [t, ctx.ints(Array.from({ length: K }, (_, i) => K - 1 - i))], { axis: 1 });
      ctx.setDims(t, [C / B, K, B]);
    }
    return reshapeEmit(ctx, t, [C / B, K, B], wDims);
  });
}

/** y = Conv(x, W, B) of a depthwise Conv on the NCHWc kernels. */
export function nchwcDepthwiseForwardEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): string {
  const inputs = [blockedEmit(ctx, x, xDims), blockedKernelEmit(ctx, w, wDims, false), ...(bias ? [bias] : [])];
  const yb = ctx.opIn(NCHWC_DOMAIN, 'Conv', inputs, {
    group: a.group, kernel_shape: wDims.slice(2), strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations],
  });
  ctx.setDims(yb, yDims);
  return unblockEmit(ctx, yb, yDims);
}

/** The pads of the flipped-kernel Conv that gives ∂x at unit strides, (k−1)·d − p; undefined when a stride is not 1 or a pad passes the kernel's reach. */
function flipPads(wDims: readonly number[], a: ConvAttrs): number[] | undefined {
  if (a.strides.some((s) => s !== 1)) return undefined;
  const reach = wDims.slice(2).map((k, i) => (k - 1) * a.dilations[i]!);
  const pads = a.pads.map((p, i) => reach[i % reach.length]! - p);
  return pads.every((p) => p >= 0) ? pads : undefined;
}

/** ∂x of a depthwise Conv on the NCHWc kernels (unit strides); undefined where the form does not apply. */
export function nchwcDepthwiseInputGradEmit(
  ctx: EmitContext, dy: string, dyDims: readonly number[], w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
): string | undefined {
  const pads = flipPads(wDims, a);
  if (!pads) return undefined;
  const gb = ctx.opIn(NCHWC_DOMAIN, 'Conv', [blockedEmit(ctx, dy, dyDims), blockedKernelEmit(ctx, w, wDims, true)], {
    group: a.group, kernel_shape: wDims.slice(2), strides: [1, 1], pads, dilations: [...a.dilations],
  });
  ctx.setDims(gb, xDims);
  return unblockEmit(ctx, gb, xDims);
}

/** ∂W of a depthwise Conv on the NCHWc kernels: each image's δ map as the kernel over its x map, summed over the batch; undefined where the form does not apply. */
export function nchwcDepthwiseWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[], wDims: readonly number[], a: ConvAttrs,
): string | undefined {
  const [N, C, H, W] = xDims as [number, number, number, number];
  const [, , Ho, Wo] = dyDims as [number, number, number, number];
  const kernel = wDims.slice(2) as [number, number];
  const inner = [H, W];
  const outer = [Ho, Wo];
  const ends = kernel.map((k, i) => (k - 1) * a.dilations[i]! + (outer[i]! - 1) * a.strides[i]! + 1 - inner[i]! - a.pads[i]!);
  if (ends.some((p) => p < 0)) return undefined;
  const maps = reshapeEmit(ctx, blockedEmit(ctx, x, xDims), xDims, [1, N * C, H, W]);
  const kernels = reshapeEmit(ctx, blockedEmit(ctx, dy, dyDims), dyDims, [N * C, 1, Ho, Wo]);
  const gb = ctx.opIn(NCHWC_DOMAIN, 'Conv', [maps, kernels], {
    group: N * C, kernel_shape: outer, strides: [...a.dilations], dilations: [...a.strides], pads: [a.pads[0]!, a.pads[1]!, ...ends],
  });
  const K = sizeOf(kernel);
  ctx.setDims(gb, [1, N * C, ...kernel]);
  const perImage = reshapeEmit(ctx, unblockEmit(ctx, gb, [1, N * C, ...kernel]), [1, N * C, ...kernel], [N, C * K]);
  return reshapeEmit(ctx, reduceSumEmit(ctx, perImage, [N, C * K], [0], false), [C * K], wDims);
}
