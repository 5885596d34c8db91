/**
 * 2-D convolutions on ONNX Runtime's NCHWc CPU kernels (the
 * com.microsoft.nchwc domain of onnxruntime-node), where the channel counts
 * suit the kernels' channel block B (EmitContext.nchwcBlock). ONNX Runtime's
 * inference sessions move constant weights into this layout themselves; in
 * the step the weights are inputs, so the step lays them out, and the NCHWc
 * Conv runs a depthwise layer as one vectorised pass instead of a small GEMM
 * per image and map, a dense one without a patch matrix per image
 * (bench/profile-conv-grads.ts, one thread, reorders and kernel layout
 * included, against the form used before: MobileNetV2's 144-map depthwise
 * layer at 16×16 forward 1.5 ms against 3.1, ∂x 1.4 against 3.0, ∂W 1.7
 * against 4.9 by rows; its 96-map stride-2 one ∂W 2.1 against 9.5, ∂x 4.6
 * against 5.4; ResNet-18's layer1 forward 3.9 against 5.0, ∂x 3.4 against
 * 4.5 by the flipped Conv, its 7×7 first layer 4.5 against 5.6).
 *
 * Layouts: ReorderInput turns x [N, C, H, W] into blocks [N, C/B, H, W, B]
 * (the shape stays [N, C, H, W]); a kernel W [M, I, kh, kw] is read as
 * [M/B, I·kh·kw, B] (OIHWBo) when depthwise or when its input has fewer than
 * B channels (then read unblocked), else as [M/B, I/B, kh·kw, B_in, B_out]
 * (OIHWBiBo). With those,
 *
 *   y       = Conv_nchwc(x, W)                                  the forward pass
 *   ∂x      = Conv_nchwc(δ, W′; pads (k−1)·d − p)               unit strides; W′[c, m, t] = W[m, c, K−1−t]
 *   ∂x      = Conv_nchwc(δ spread by s, W′)                      depthwise with strides (s−1 zeros after each value)
 *   ∂W[c,t] = Σ_n Conv_nchwc(x as [1, N·C, H, W], δ as [N·C, 1, Ho, Wo];
 *                            group N·C, strides d, dilations s)[n·C + c, t]     depthwise
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
import { flipConvPads } from './emit-conv-input.js';
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

/**
 * v [rows, K] with each row's K taps in reverse order, as a MatMul by the
 * K×K anti-diagonal 0/1 matrix: each result is one value times 1 plus zeros,
 * so the values are exact (up to the sign of a zero), and it runs at memory
 * speed where a Gather or a Slice with step −1 over the taps axis copies 9
 * floats at a time (ResNet-18's 128×128×3×3 kernel: 0.07 ms against 0.43).
 */
function reverseTapsEmit(ctx: EmitContext, v: string, rows: number, K: number): string {
  const J = new Array<number>(K * K).fill(0);
  for (let i = 0; i < K; i++) J[i * K + K - 1 - i] = 1;
  const r = ctx.op('MatMul', [v, ctx.floats(J, [K, K])]);
  ctx.setDims(r, [rows, K]);
  return r;
}

/**
 * A kernel W [M, I, kh, kw] with its output channels in blocks, [M/B, I·kh·kw, B]
 * (OIHWBo: depthwise kernels, and dense ones whose input has fewer than B
 * channels and is read unblocked), the taps reversed first when `flipped`;
 * the dims stay W's.
 */
function outputBlockedKernelEmit(ctx: EmitContext, w: string, wDims: readonly number[], flipped: boolean): string {
  return ctx.memo(`nchwc-wo:${w}:${flipped ? 'flip' : ''}`, () => {
    const B = ctx.nchwcBlock!;
    const M = wDims[0]!;
    const rest = sizeOf(wDims.slice(1));
    const K = sizeOf(wDims.slice(2));
    const rows = reshapeEmit(ctx, w, wDims, [(M * rest) / K, K]);
    const src = flipped && K > 1 ? reverseTapsEmit(ctx, rows, (M * rest) / K, K) : rows;
    const t = transposeEmit(ctx, reshapeEmit(ctx, src, [(M * rest) / K, K], [M / B, B, rest]), [M / B, B, rest], [0, 2, 1]);
    return reshapeEmit(ctx, t, [M / B, rest, B], wDims);
  });
}

/**
 * v [M, C, K] with both channel axes in blocks, [M/B, C/B, K, B_in, B_out]
 * (OIHWBiBo), by two Transposes that each move whole rows: the output
 * channel's block inside ([M/B, C·K, B]), then the taps before the input
 * channel's block. One Transpose of five axes takes 3-4× as long in ONNX Runtime.
 */
function inputOutputBlockedEmit(ctx: EmitContext, v: string, M: number, C: number, K: number): string {
  const B = ctx.nchwcBlock!;
  const inner = transposeEmit(ctx, reshapeEmit(ctx, v, [M, C, K], [M / B, B, C * K]), [M / B, B, C * K], [0, 2, 1]);
  const rows = [(M / B) * (C / B), B, K, B];
  return transposeEmit(ctx, reshapeEmit(ctx, inner, [M / B, C * K, B], rows), rows, [0, 2, 1, 3]);
}

/**
 * A dense kernel W [M, C, kh, kw] with both channel axes in blocks
 * (OIHWBiBo); with `flipSwap`, the kernel of the input gradient instead,
 * W′[c, m, t] = W[m, c, K−1−t], blocked the same way. The dims stay W's (or W′'s).
 */
function blockedDenseKernelEmit(ctx: EmitContext, w: string, wDims: readonly number[], flipSwap: boolean): string {
  return ctx.memo(`nchwc-wd:${w}:${flipSwap ? 'flip' : ''}`, () => {
    const B = ctx.nchwcBlock!;
    const [M, C] = wDims as [number, number];
    const kernel = wDims.slice(2);
    const K = sizeOf(kernel);
    const blockedDims = [(M * C) / (B * B), K, B, B];
    if (!flipSwap) return reshapeEmit(ctx, inputOutputBlockedEmit(ctx, w, M, C, K), blockedDims, wDims);
    const rows = reshapeEmit(ctx, w, wDims, [M * C, K]);
    const reversed = K > 1 ? reverseTapsEmit(ctx, rows, M * C, K) : rows;
    const swapped = transposeEmit(ctx, reshapeEmit(ctx, reversed, [M * C, K], [M, C, K]), [M, C, K], [1, 0, 2]);
    return reshapeEmit(ctx, inputOutputBlockedEmit(ctx, swapped, C, M, K), blockedDims, [C, M, ...kernel]);
  });
}

/** y = Conv(x, W, B) of a depthwise Conv on the NCHWc kernels. */
export function nchwcDepthwiseForwardEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): string {
  const inputs = [blockedEmit(ctx, x, xDims), outputBlockedKernelEmit(ctx, w, wDims, false), ...(bias ? [bias] : [])];
  const yb = ctx.opIn(NCHWC_DOMAIN, 'Conv', inputs, {
    group: a.group, kernel_shape: wDims.slice(2), strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations],
  });
  ctx.setDims(yb, yDims);
  return unblockEmit(ctx, yb, yDims);
}

/**
 * The flipped-kernel Conv's pads for ∂x from δ spread out by the strides
 * (s−1 zeros after each value: [Ho·s, Wo·s]): (k−1)·d − p before and
 * H − Ho·s + p_begin after, so that the result is [H, W]; undefined where
 * one is negative (pads past the kernel's reach, rows no window reads).
 */
function spreadFlipPads(xDims: readonly number[], dyDims: readonly number[], wDims: readonly number[], a: ConvAttrs): number[] | undefined {
  const r = wDims.length - 2;
  const begin = wDims.slice(2).map((k, i) => (k - 1) * a.dilations[i]! - a.pads[i]!);
  const end = xDims.slice(2).map((size, i) => size - dyDims[2 + i]! * a.strides[i]! + a.pads[i]!);
  const pads = [...begin, ...end];
  return pads.length === 2 * r && pads.every((p) => p >= 0) ? pads : undefined;
}

/**
 * δ [N, C, Ho, Wo] blocked, spread out by the strides s: s−1 zeros after
 * each value along each axis, [N, C, Ho·s_h, Wo·s_w] blocked. The blocked
 * memory [N·C/B, Ho, 1, Wo, 1, B] is padded at the ends of its unit axes.
 */
function spreadBlockedEmit(ctx: EmitContext, dyb: string, dyDims: readonly number[], strides: readonly number[]): string {
  const B = ctx.nchwcBlock!;
  const [N, C, Ho, Wo] = dyDims as [number, number, number, number];
  const [sh, sw] = strides as [number, number];
  const rows = [(N * C) / B, Ho, 1, Wo, 1, B];
  const pads = [0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1, 0];
  const v = reshapeEmit(ctx, dyb, dyDims, rows);
  const spread = ctx.opset >= 11 ? ctx.op('Pad', [v, ctx.ints(pads)]) : ctx.op('Pad', [v], { pads });
  const spreadRows = [(N * C) / B, Ho, sh, Wo, sw, B];
  ctx.setDims(spread, spreadRows);
  return reshapeEmit(ctx, spread, spreadRows, [N, C, Ho * sh, Wo * sw]);
}

/**
 * ∂x of a depthwise Conv on the NCHWc kernels: a Conv of δ by the flipped
 * kernel, δ spread out by the strides first where they are not 1;
 * undefined where the pads do not allow it.
 */
export function nchwcDepthwiseInputGradEmit(
  ctx: EmitContext, dy: string, dyDims: readonly number[], w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
): string | undefined {
  const unit = a.strides.every((s) => s === 1);
  const pads = unit ? flipConvPads(wDims, a) : spreadFlipPads(xDims, dyDims, wDims, a);
  if (!pads) return undefined;
  const dyb = blockedEmit(ctx, dy, dyDims);
  const input = unit ? dyb : spreadBlockedEmit(ctx, dyb, dyDims, a.strides);
  const gb = ctx.opIn(NCHWC_DOMAIN, 'Conv', [input, outputBlockedKernelEmit(ctx, w, wDims, true)], {
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

/**
 * Whether a Conv is a 2-D dense one (group 1) the NCHWc kernels can run
 * here: M output channels a multiple of the block, C input channels too or
 * fewer than one block (then x is read unblocked).
 */
export function isNchwcDense(ctx: EmitContext, xDims: readonly number[], wDims: readonly number[], a: ConvAttrs): boolean {
  const B = ctx.nchwcBlock;
  const C = xDims[1]!;
  return B !== undefined && xDims.length === 4 && a.group === 1 && wDims[0]! % B === 0 && (C % B === 0 || C < B);
}

/** y = Conv(x, W, B) of a dense Conv on the NCHWc kernels. */
export function nchwcDenseForwardEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): string {
  const plain = xDims[1]! < ctx.nchwcBlock!;
  const inputs = plain
    ? [x, outputBlockedKernelEmit(ctx, w, wDims, false)]
    : [blockedEmit(ctx, x, xDims), blockedDenseKernelEmit(ctx, w, wDims, false)];
  const yb = ctx.opIn(NCHWC_DOMAIN, 'Conv', bias ? [...inputs, bias] : inputs, {
    group: 1, kernel_shape: wDims.slice(2), strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations],
  });
  ctx.setDims(yb, yDims);
  return unblockEmit(ctx, yb, yDims);
}

/**
 * ∂x of a dense Conv at unit strides on the NCHWc kernels: a Conv of δ by the
 * kernel with its channel axes swapped and taps reversed (pads (k−1)·d − p);
 * undefined where that does not apply (strides, pads past the kernel's
 * reach, channel counts that are not multiples of the block).
 */
export function nchwcDenseInputGradEmit(
  ctx: EmitContext, dy: string, dyDims: readonly number[], w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
): string | undefined {
  const B = ctx.nchwcBlock!;
  const [M, C] = wDims as [number, number];
  const pads = flipConvPads(wDims, a);
  if (!pads || M % B !== 0 || C % B !== 0 || a.group !== 1) return undefined;
  const gb = ctx.opIn(NCHWC_DOMAIN, 'Conv', [blockedEmit(ctx, dy, dyDims), blockedDenseKernelEmit(ctx, w, wDims, true)], {
    group: 1, kernel_shape: wDims.slice(2), strides: [1, 1], pads, dilations: [...a.dilations],
  });
  ctx.setDims(gb, xDims);
  return unblockEmit(ctx, gb, xDims);
}
