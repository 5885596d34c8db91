/**
 * The convolution gradients as ONNX nodes, over 1–3 spatial axes: the choice
 * of forms per layer, the input gradient in the chosen form
 * (emit-conv-input.ts; small depthwise convolutions as per-channel dense
 * matrices, emit-depthwise.ts), the weight gradient (a Conv of x by δ, one Gemm
 * per kernel tap, or one Gemm over the patch matrix), the bias gradient, and
 * small-output forward convolutions as one Gemm whose patches the weight
 * gradient reads again (the shared layouts are in emit-patches.ts). Where the
 * step runs on onnxruntime-node's CPU provider, depthwise gradients and the
 * flipped-kernel input gradient run on ONNX Runtime's NCHWc kernels
 * (emit-nchwc.ts). Every form follows the model's opset.
 */
import type { ConvGeometry } from '../grad/rules/conv.js';
import type { Conv2dAttrs, ConvAttrs } from '../tensor/conv.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { reshapeEmit, transposeEmit, reduceSumEmit, concatTreeEmit } from './emit-helpers.js';
import { convInputGradEmit, flipReadsNoMore, type InputGradForm } from './emit-conv-input.js';
import { depthwiseInputGradEmit, depthwiseWeightGradByRowsEmit, depthwiseWeightGradEmit, isSmallDepthwise } from './emit-depthwise.js';
import { isNchwcDense, isNchwcDepthwise, nchwcDenseInputGradEmit, nchwcDepthwiseInputGradEmit, nchwcDepthwiseWeightGradEmit } from './emit-nchwc.js';
import {
  batchInner, foldBatchEmit, foldForPatchesEmit, foldPositionsEmit, gemmEmit, isDenseConv, patchColsEmit, swapFirstEmit, tapsEmit, unfoldForPatchesEmit,
} from './emit-patches.js';

/** x cut to its first `toDims[a]` entries along every axis a (Slice; no node when nothing is cut). */
function sliceLeadingEmit(ctx: EmitContext, x: string, dims: readonly number[], toDims: readonly number[]): string {
  const axes = dims.map((_, a) => a).filter((a) => toDims[a] !== dims[a]);
  if (axes.length === 0) return x;
  const starts = axes.map(() => 0);
  const ends = axes.map((a) => toDims[a]!);
  const y = ctx.opset >= 10
    ? ctx.op('Slice', [x, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)])
    : ctx.op('Slice', [x], { starts, ends, axes });
  ctx.setDims(y, toDims);
  return y;
}

/**
 * How a convolution's weight gradient is emitted.
 *   'direct'  a Conv of x (batch and channels swapped) by δ as its kernel:
 *             one GEMM of K columns per input channel;
 *   'gemm'    one Gemm over the whole batch, δ [M, P·N] · colsᵀ with cols
 *             [C·K, P·N] the patch matrix of x (one Gather, patchColsEmit);
 *   'taps'    one Gemm per kernel tap, δ [M, N·P] · tap_tᵀ [N·P, C], the K
 *             results [M, C] stacked and moved to [M, C, K] (no patch matrix).
 */
export type WeightGradForm = 'direct' | 'gemm' | 'taps';

/** The size of a weight gradient's patch matrix (C·K·P·N floats) above which it is read tap by tap ('taps'). */
export const TAPS_ABOVE_BYTES = 64 * 2 ** 20;

/** The size of patch matrix from which a layer with few output channels (< 32) takes the 'gemm' weight gradient instead of the per-channel Conv. */
export const PATCHES_FROM_BYTES = 2 ** 20;

/**
 * The modelled choice of forms, per layer. A per-image GEMM streams all of W
 * for each image and is efficient only with many columns (P output
 * positions); the batch-wide forms read W once but pay for copying patches
 * (K times the input, for ∂W) or transposing the column gradient (for ∂X).
 */
export function chooseConvGradForms(ctx: EmitContext, dyDims: readonly number[], wDims: readonly number[], a: ConvAttrs): { input: InputGradForm; weight: WeightGradForm } {
  const P = sizeOf(dyDims.slice(2));
  const K = sizeOf(wDims.slice(2));
  const dense = a.group === 1;
  // measured (bench/profile-conv-grads.ts, one thread): the per-image GEMMs lose from about 32 output positions down;
  // without Col2Im (before opset 18) Col2Im by a Gather wins from 16 positions down for strided layers (ResNet-18's
  // layer4.0.conv1 2.6 ms against 11.0 by shifts, layer3.0.conv1 3.4 against 4.5 direct) and from 4 down at stride 1
  // (layer4 4.7 against 6.0 by patches), the patch form from 16 down at stride 1 (layer3 5.0 against 7.9 direct)
  // above that, at stride 1 the flipped Conv where it multiplies no more than ConvTranspose (pads that keep the
  // image's size: ResNet-18's layer1 4.4 ms against 4.9, layer2 4.1 against 4.5, 1×1 convs 5-30% faster)
  const unitStride = a.strides.every((s) => s === 1);
  const col2im = ctx.opset >= 18 && wDims.length <= 4;
  const input: InputGradForm = !dense ? 'direct' : col2im && P <= 32 ? 'gemm'
    : (unitStride ? P <= 4 && K > 1 : P <= 16) ? 'gather' : unitStride && P <= 16 ? 'patches'
      : unitStride && ctx.opset >= 10 && flipReadsNoMore(wDims, a) ? 'flip' : 'direct';
  const stridedTaps = ctx.opset < 10 && a.strides.some((s) => s !== 1);
  // the whole patch matrix in one Gather against a Slice and a Gemm per tap: about equal per layer at one thread
  // (ResNet-18's layer1/layer2), but the Gather shares out over threads and the Slices do not (ResNet-18's step 7%
  // faster at one thread, 11% at two, in paired rounds); only a matrix too large to hold (large images) goes tap by
  // tap, or, with wide kernels (a Gemm per tap of few columns), by the per-channel Conv. A wide kernel with many
  // output channels keeps the per-channel Conv (ResNet-18's 7×7 first layer: its step 2% slower at one thread with
  // patches, level at two). With few output channels the per-channel Conv is a GEMM of few rows, and the patches win
  // once they are enough to pay for their nodes (PATCHES_FROM_BYTES): LeNet-5's step at batch 64 1.13–1.18× as fast
  // at one thread and 1.05–1.31× at two, at batch 256 1.06× at one thread and level at two (bench/profile-ab.ts);
  // at batch 1 25% slower.
  const patchBytes = 4 * wDims[1]! * K * P * dyDims[0]!;
  const fewMaps = wDims[0]! < 32;
  const patchesPay = fewMaps && patchBytes >= PATCHES_FROM_BYTES && patchBytes <= TAPS_ABOVE_BYTES;
  const perChannel = K > 1 && (fewMaps || K > 9) && !patchesPay;
  const weight: WeightGradForm = !dense || stridedTaps || perChannel ? 'direct' : K > 1 && patchBytes > TAPS_ABOVE_BYTES ? 'taps' : 'gemm';
  return { input, weight };
}


/**
 * A convolution (group 1) as its patch matrix and one Gemm over the whole
 * batch: cols [C·K, P·N] from x (patchColsEmit), y [M, P·N] = W [M, C·K] ·
 * cols (+ B as a [M, 1] column), moved back to [N, M, o…]. Returns y and the
 * patch matrix, which the weight gradient reads again.
 */
export function convForwardGemmEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): string {
  return convForwardPatchesEmit(ctx, x, xDims, w, wDims, yDims, a, bias).y;
}

/** convForwardGemmEmit, also returning the patch matrix. */
export function convForwardPatchesEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], w: string, wDims: readonly number[], yDims: readonly number[], a: ConvAttrs, bias?: string,
): { y: string; cols: string } {
  const [N, C] = xDims as [number, number];
  const M = wDims[0]!;
  const kernel = wDims.slice(2);
  const K = sizeOf(kernel);
  const outSizes = yDims.slice(2);
  const P = sizeOf(outSizes);
  const cols = patchColsEmit(ctx, x, xDims, kernel, outSizes, a);
  const wm = reshapeEmit(ctx, w, wDims, [M, C * K]);
  const attrs = { transA: 0, transB: 0 };
  let y: string;
  if (bias) y = ctx.op('Gemm', [wm, cols, reshapeEmit(ctx, bias, [M], [M, 1])], attrs);
  else y = ctx.opset >= 11 ? ctx.op('Gemm', [wm, cols], attrs) : ctx.op('Gemm', [wm, cols, ctx.floats([0], [])], attrs);
  ctx.setDims(y, [M, P * N]);
  return { y: unfoldForPatchesEmit(ctx, y, M, N, outSizes, kernel, a), cols };
}

/**
 * The gradient of a convolution with respect to its weight, over 1–3 spatial axes:
 *   dW[m,c,k…] = Σ_{n,o…} δ[n,m,o…] · x[n, g·Cg + c, o·s − p_begin + k·d …]
 * 'direct': one Conv whose batch is the input channel and whose kernel is δ:
 *   x [N,G·Cg,in…] → [Cg, G·N, in…] (channel g·N + n),  δ [N,M,o…] → [M, N, o…],
 *   Conv(group G, strides = forward dilations, dilations = forward strides, pads as forward but the end)
 *     → [Cg, M, k…]
 * (its end pads cut by directEndPads so that no position past the kernel is
 * computed) and transposed to [M, Cg, k…]. With S = directBatchSplit(…) > 1 the batch
 * is S groups of that Conv (δ → [S·M, N/S, o…], group S) whose S results
 * [Cg, S, M, k…] are summed.
 * 'gemm' (group 1): one Gemm over the whole batch,
 *   dW [M, C·K] = δ [M, P·N] · colsᵀ,  cols [C·K, P·N] the patch matrix of x
 *   (patchColsEmit), reshaped to W's dims. `dyFolded` is δ already as
 *   [M, P·N] (foldPositionsEmit) when the caller has it.
 */
export function convWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[],
  wDims: readonly number[], a: ConvAttrs, form: WeightGradForm = 'direct', dyFolded?: string,
): string {
  const r = xDims.length - 2;
  const [N] = xDims as [number];
  const [, M] = dyDims as [number, number];
  const [, Cg] = wDims as [number, number];
  const inner = xDims.slice(2);
  const kernel = wDims.slice(2);
  const K = sizeOf(kernel);
  if (isDenseConv(xDims, wDims, a)) {
    const dw = gemmEmit(ctx, reshapeEmit(ctx, dy, dyDims, [N, M]), reshapeEmit(ctx, x, xDims, [N, Cg * K]), true, false, [M, Cg * K]);
    return reshapeEmit(ctx, dw, [M, Cg * K], wDims);
  }
  if (form !== 'direct' && a.group === 1 && (ctx.opset >= 10 || a.strides.every((s) => s === 1))) {
    if (form === 'gemm' || K === 1) {
      const cols = patchColsEmit(ctx, x, xDims, kernel, dyDims.slice(2), a);
      const folded = dyFolded ?? foldForPatchesEmit(ctx, dy, dyDims, kernel, a);
      if (!transposedWeightGemm(M, Cg * K)) return reshapeEmit(ctx, gemmEmit(ctx, folded, cols, false, true, [M, Cg * K]), [M, Cg * K], wDims);
      // the Transpose reads a [C·K, M, 1] view: one right after the Gemm, ONNX Runtime folds back into the Gemm
      const dwT = reshapeEmit(ctx, gemmEmit(ctx, cols, folded, false, true, [Cg * K, M]), [Cg * K, M], [Cg * K, M, 1]);
      return reshapeEmit(ctx, transposeEmit(ctx, dwT, [Cg * K, M, 1], [1, 0, 2]), [M, Cg * K, 1], wDims);
    }
    const folded = foldBatchEmit(ctx, dy, dyDims);
    const parts = tapsEmit(ctx, swapFirstEmit(ctx, x, xDims), [Cg, N, ...inner], kernel, dyDims.slice(2), a)
      .map((t) => reshapeEmit(ctx, gemmEmit(ctx, folded, t, false, true, [M, Cg]), [M, Cg], [M, 1, Cg]));
    const stacked = concatTreeEmit(ctx, parts, parts.map(() => [M, 1, Cg]), 1);
    return reshapeEmit(ctx, transposeEmit(ctx, stacked, [M, K, Cg], [0, 2, 1]), [M, Cg, K], wDims);
  }
  const axes = inner.map((_, i) => i + 3);
  const G = a.group;
  // with few input channels the batch is cut into S groups of images, summed after, so that the Conv has
  // Cg·S independent images to share among threads
  const S = ctx.gpu ? 1 : directBatchSplit(Cg, N, G);
  const xg = reshapeEmit(ctx, x, xDims, [N, G, Cg, ...inner]);
  const xt = transposeEmit(ctx, xg, [N, G, Cg, ...inner], [2, 1, 0, ...axes]);
  const xBatch = reshapeEmit(ctx, xt, [Cg, G, N, ...inner], [Cg, G * N, ...inner]);
  const outer = dyDims.slice(2);
  const dyKernel = S === 1 ? transposeEmit(ctx, dy, dyDims, [1, 0, ...axes.map((i) => i - 1)])
    : reshapeEmit(ctx, transposeEmit(ctx, reshapeEmit(ctx, dy, dyDims, [S, N / S, M, ...outer]), [S, N / S, M, ...outer], [0, 2, 1, ...axes]),
      [S, M, N / S, ...outer], [S * M, N / S, ...outer]);
  const fit = directEndPads(inner, kernel, outer, a);
  const xRead = sliceLeadingEmit(ctx, xBatch, [Cg, G * N, ...inner], [Cg, G * N, ...fit.inner]);
  const conv = ctx.op('Conv', [xRead, dyKernel], {
    strides: [...a.dilations], dilations: [...a.strides], pads: [...a.pads.slice(0, r), ...fit.ends], group: G * S,
  });
  const kDims = [Cg, M, ...kernel];
  let full = conv;
  if (S > 1) {
    ctx.setDims(conv, [Cg, S * M, ...kernel]);
    full = reduceSumEmit(ctx, reshapeEmit(ctx, conv, [Cg, S * M, ...kernel], [Cg, S, M, ...kernel]), [Cg, S, M, ...kernel], [1], false);
  }
  ctx.setDims(full, kDims);
  return transposeEmit(ctx, full, kDims, [1, 0, ...axes.map((i) => i - 1)]);
}

/**
 * The end pads of the 'direct' weight gradient's Conv, and the input extent
 * it reads, that make its output exactly the kernel's size. With the forward
 * pads that output reaches
 *   reach = ⌊(in + p_begin + p_end − (o − 1)·s − 1) / d⌋ + 1 ≥ k
 * positions, the last reach − k of them from padding past the last window
 * (ResNet-18's 7×7 stride-2 first layer: 8×8 for a 7×7 kernel, 31% more
 * work). Each extra position is d columns of end padding: p_end′ =
 * p_end − (reach − k)·d; where that is below zero, the input is cut by the
 * rest instead and p_end′ = 0.
 */
export function directEndPads(
  inner: readonly number[], kernel: readonly number[], outer: readonly number[], a: ConvAttrs,
): { ends: number[]; inner: number[] } {
  const r = inner.length;
  const ends: number[] = [];
  const cut: number[] = [];
  inner.forEach((size, i) => {
    const reach = Math.floor((size + a.pads[i]! + a.pads[r + i]! - (outer[i]! - 1) * a.strides[i]! - 1) / a.dilations[i]!) + 1;
    const end = a.pads[r + i]! - Math.max(0, reach - kernel[i]!) * a.dilations[i]!;
    ends.push(Math.max(0, end));
    cut.push(size + Math.min(0, end));
  });
  return { ends, inner: cut };
}

/**
 * Whether the 'gemm' weight gradient is computed transposed, ∂Wᵀ [C·K, M] =
 * cols · δᵀ, then moved to [M, C·K]: where there are few output channels and
 * many more patch rows. ONNX Runtime's GEMM runs a product with few rows
 * slowly (ResNet-18's layer1, 64 × 576 over 8,192 positions: 4.1 ms against
 * 2.9 transposed at one thread, 1.9 against 1.5 at two; layer2, 128 × 1,152:
 * 3.3 against 2.8); from 256 rows on both run at the peak and the transpose
 * would only add.
 */
export function transposedWeightGemm(M: number, rows: number): boolean {
  return M <= 128 && rows >= 4 * M;
}

/**
 * How many groups of images the 'direct' weight gradient cuts the batch into:
 * 2 for a dense convolution with fewer than 4 input channels and an even
 * batch, else 1. ONNX Runtime runs a Conv's images on separate threads, and
 * the 'direct' form's images are the input channels: ResNet-18's first layer
 * (3 channels, batch 32) takes 3.2 ms instead of 4.5 on two threads, LeNet-5's
 * (1 channel, batch 64) 0.45 instead of 0.60, at about 3% more on one thread.
 * Not on GPU execution providers (EmitContext.gpu).
 */
export function directBatchSplit(Cg: number, N: number, group: number): number {
  return group === 1 && Cg < 4 && N >= 2 && N % 2 === 0 ? 2 : 1;
}

/** conv2dWeightGrad as ONNX nodes: convWeightGradEmit on [N,C,H,W] operands. */
export function conv2dWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[],
  wDims: readonly number[], a: Conv2dAttrs,
): string {
  return convWeightGradEmit(ctx, x, xDims, dy, dyDims, wDims, a);
}

/** reduceBiasGrad: db[m] = Σ_{n, spatial} δ[n,m,...], a ReduceSum over every axis but 1. */
export function reduceBiasGradEmit(ctx: EmitContext, dy: string, dyDims: readonly number[]): string {
  return reduceSumEmit(ctx, dy, dyDims, dyDims.map((_, i) => i).filter((i) => i !== 1), false);
}

/** The names and static dims a Conv-like emitter works on. */
export interface ConvOperands {
  x: string;
  xDims: readonly number[];
  w: string;
  wDims: readonly number[];
  /** δ = ∂E/∂Y */
  dy: string;
  dyDims: readonly number[];
}

/**
 * convVjp as ONNX nodes: [∂X, ∂W, ∂B] for the inputs `needs` asks for, in
 * their own ranks. Operands whose rank is below the geometry's (a 1-D
 * convolution given in the 2-D view, H = 1) are reshaped in and out.
 */
export function convGradEmit(ctx: EmitContext, o: ConvOperands, geo: ConvGeometry, needs: readonly boolean[]): (string | undefined)[] {
  const r = geo.attrs.strides.length;
  const lift = (d: readonly number[]) => [d[0]!, d[1]!, ...new Array<number>(Math.max(0, r + 2 - d.length)).fill(1), ...d.slice(2)];
  const dyKDims = lift(o.dyDims);
  const xKDims = lift(o.xDims);
  const wKDims = lift(o.wDims);
  const dyK = needs[0] || needs[1] ? reshapeEmit(ctx, o.dy, o.dyDims, dyKDims) : o.dy;
  if (isNchwcDepthwise(ctx, xKDims, wKDims, dyKDims, geo.attrs)) {
    // each gradient on the NCHWc kernels where its form applies, else in the form chosen below
    const nchwc = [
      needs[0] ? nchwcDepthwiseInputGradEmit(ctx, dyK, dyKDims, o.w, o.wDims, xKDims, geo.attrs) : undefined,
      needs[1] ? nchwcDepthwiseWeightGradEmit(ctx, o.x, o.xDims, dyK, dyKDims, o.wDims, geo.attrs) : undefined,
    ];
    if (nchwc.every((v, i) => v !== undefined || !needs[i])) return [...nchwc, needs[2] ? reduceBiasGradEmit(ctx, o.dy, o.dyDims) : undefined];
    const rest = convGradFormsEmit(ctx, o, geo, needs.map((n, i) => n && (i > 1 || nchwc[i] === undefined)), dyK, dyKDims, xKDims, wKDims);
    return rest.map((v, i) => nchwc[i] ?? v);
  }
  return convGradFormsEmit(ctx, o, geo, needs, dyK, dyKDims, xKDims, wKDims);
}

/** convGradEmit in the forms other than the NCHWc ones, on operands lifted to the geometry's rank. */
function convGradFormsEmit(
  ctx: EmitContext, o: ConvOperands, geo: ConvGeometry, needs: readonly boolean[],
  dyK: string, dyKDims: readonly number[], xKDims: readonly number[], wKDims: readonly number[],
): (string | undefined)[] {
  if (isSmallDepthwise(xKDims, wKDims, dyKDims, geo.attrs)) {
    const wK = () => reshapeEmit(ctx, o.w, o.wDims, wKDims);
    const xK = () => reshapeEmit(ctx, o.x, o.xDims, xKDims);
    return [
      needs[0] ? reshapeEmit(ctx, depthwiseInputGradEmit(ctx, dyK, dyKDims, wK(), wKDims, xKDims, geo.attrs), xKDims, o.xDims) : undefined,
      needs[1] ? reshapeEmit(ctx, depthwiseWeightGradEmit(ctx, xK(), xKDims, dyK, dyKDims, wKDims, geo.attrs), wKDims, o.wDims) : undefined,
      needs[2] ? reduceBiasGradEmit(ctx, o.dy, o.dyDims) : undefined,
    ];
  }
  const forms = chooseConvGradForms(ctx, dyKDims, wKDims, geo.attrs);
  // δ with the batch folded into the columns, shared by the batch-wide forms of both gradients
  const shareFold = needs[0] && needs[1] && forms.input === 'gemm' && forms.weight === 'gemm' && !isDenseConv(xKDims, wKDims, geo.attrs)
    && batchInner(wKDims.slice(2), geo.attrs);
  const folded = shareFold ? foldPositionsEmit(ctx, dyK, dyKDims) : undefined;
  let dx: string | undefined;
  let dw: string | undefined;
  if (needs[0]) {
    const wK = reshapeEmit(ctx, o.w, o.wDims, wKDims);
    // the flipped Conv on the NCHWc kernels where the step has them (ResNet-18's layer1 3.4 ms against 4.5, one thread)
    const nchwc = forms.input === 'flip' && isNchwcDense(ctx, xKDims, wKDims, geo.attrs) ? nchwcDenseInputGradEmit(ctx, dyK, dyKDims, wK, wKDims, xKDims, geo.attrs) : undefined;
    dx = reshapeEmit(ctx, nchwc ?? convInputGradEmit(ctx, dyK, wK, wKDims, xKDims, geo.attrs, forms.input, folded), xKDims, o.xDims);
  }
  if (needs[1]) {
    const xK = reshapeEmit(ctx, o.x, o.xDims, xKDims);
    // depthwise with unit strides: by rows (MobileNetV2's 8×8–32×32 maps 1.7–2.7× faster than the grouped Conv; with
    // stride 2 the rows form reads twice the rows it needs and loses)
    const rows = geo.attrs.strides.every((s) => s === 1) ? depthwiseWeightGradByRowsEmit(ctx, xK, xKDims, dyK, dyKDims, wKDims, geo.attrs) : undefined;
    dw = reshapeEmit(ctx, rows ?? convWeightGradEmit(ctx, xK, xKDims, dyK, dyKDims, wKDims, geo.attrs, forms.weight, folded), wKDims, o.wDims);
  }
  return [dx, dw, needs[2] ? reduceBiasGradEmit(ctx, o.dy, o.dyDims) : undefined];
}
