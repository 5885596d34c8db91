/**
 * The gradient of a convolution with respect to its input, as ONNX nodes over
 * 1–3 spatial axes, in every form chooseConvGradForms (emit-conv.ts) picks
 * from: ONNX Runtime's ConvTranspose, a Conv by the flipped kernel, or a
 * batch-wide Gemm whose columns go back onto the image by Col2Im, a Gather
 * and a sum, the patches of δ, or shifts. Every form follows the model's
 * opset, falling back to ConvTranspose where it lacks what a form needs.
 */
import type { Conv2dAttrs, ConvAttrs } from '../tensor/conv.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { gridOf, matMulEmit, reduceSumEmit, reshapeEmit, transposeEmit } from './emit-helpers.js';
import {
  convAttrs, convOutSizes, foldBatchEmit, foldPositionsEmit, gemmEmit, isDenseConv, padSpatialEmit, patchColsEmit, swapFirstEmit, unfoldForPatchesEmit,
} from './emit-patches.js';

/**
 * How a convolution's input gradient is emitted.
 *   'direct'  ConvTranspose(δ, W): ONNX Runtime loops over the images, one
 *             GEMM Wᵀ·δ_n of P columns each, streaming all of W per image;
 *   'matmul'  the column gradient Wᵀ·δ [N, C·K, P] by one broadcast MatMul,
 *             summed back onto the image by Col2Im (opset 18 on, 1-D and 2-D);
 *   'gemm'    the same with the batch folded into the columns: one Gemm
 *             Wᵀ·δ [C·K, P·N] that reads W once, its result transposed to
 *             [N, C·K, P] for Col2Im (opset 18 on, 1-D and 2-D);
 *   'patches' stride 1 only, any opset: the full correlation of δ with the
 *             flipped kernel as one Gemm, W_flip [C, M·K] · the patch matrix
 *             of δ zero-padded by (k − 1)·d − p, [M·K, P_x·N];
 *   'gather'  any opset: the column gradient Wᵀ·δ [C·K, P·N] by one Gemm,
 *             summed back onto the image by one Gather of the (at most R)
 *             columns each position receives and a ReduceSum over R (Col2Im
 *             by hand; strided layers, where R is small);
 *   'shift'   any opset: the column gradient Wᵀ·δ [C·K, N·P] by one Gemm as
 *             'gemm', each tap's columns spread to the stride and shifted to
 *             the positions it reads by Pad (Col2Im by hand, cheap while the
 *             image is small), and the K taps summed;
 *   'flip'    unit strides, opset 10 on: a forward Conv of δ by W with its
 *             channel axes swapped and its taps reversed
 *             (convInputGradByFlipEmit); ONNX Runtime's Conv runs the same
 *             multiplies faster than its ConvTranspose.
 */
export type InputGradForm = 'direct' | 'matmul' | 'gemm' | 'patches' | 'shift' | 'gather' | 'flip';

/**
 * The gradient of a convolution with respect to its input, over 1–3 spatial
 * axes; dy [N,M,o…], w [M,C/group,k…], xDims [N,C,in…].
 * 'direct': one ConvTranspose(δ, W) with the forward strides, pads, dilations
 * and group, and per axis an output_padding
 *   r = (in + p_begin + p_end − (k − 1)·d − 1) mod s  (0 ≤ r < s),
 * the positions the forward's floor division dropped, so that the result has
 * X's dims exactly.
 * 'gemm' (group 1, opset 18 on): the column gradient Wᵀ·δ [N, C·K, P] by one
 * MatMul (W [M, C·K] transposed once, δ viewed [N, M, P]), summed back onto the
 * positions each column reads by Col2Im with the forward's geometry; image
 * positions no window reads stay 0.
 */
export function convInputGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
  form: InputGradForm = 'direct', dyFolded?: string,
): string {
  const r = xDims.length - 2;
  const [N, C] = xDims as [number, number];
  const M = wDims[0]!;
  const kernel = wDims.slice(2);
  const K = sizeOf(kernel);
  if (isDenseConv(xDims, wDims, a)) {
    const dx = gemmEmit(ctx, reshapeEmit(ctx, dy, [N, M, ...kernel.map(() => 1)], [N, M]), reshapeEmit(ctx, w, wDims, [M, C * K]), false, false, [N, C * K]);
    return reshapeEmit(ctx, dx, [N, C * K], xDims);
  }
  if (form === 'patches' && a.group === 1 && a.strides.every((s) => s === 1)) {
    return convInputGradByPatchesEmit(ctx, dy, w, wDims, xDims, a);
  }
  if (form === 'shift' && a.group === 1) return convInputGradByShiftsEmit(ctx, dy, w, wDims, xDims, a, dyFolded);
  if (form === 'gather' && a.group === 1) return convInputGradByGatherEmit(ctx, dy, w, wDims, xDims, a, dyFolded);
  if (form === 'flip') {
    const flipped = convInputGradByFlipEmit(ctx, dy, w, wDims, xDims, a);
    if (flipped) return flipped;
  }
  // ONNX Runtime's Col2Im gives wrong results for 3-D images (and for 1-D ones with dilations, so those go in as 2-D)
  if ((form === 'gemm' || form === 'matmul') && a.group === 1 && ctx.opset >= 18 && r <= 2) {
    const outSizes = convOutSizes(xDims.slice(2), kernel, a);
    const P = sizeOf(outSizes);
    const wm = reshapeEmit(ctx, w, wDims, [M, C * K]);
    let cols: string;
    if (form === 'gemm') {
      const folded = dyFolded ?? foldPositionsEmit(ctx, dy, [N, M, ...outSizes]);
      const colsT = reshapeEmit(ctx, gemmEmit(ctx, wm, folded, true, false, [C * K, P * N]), [C * K, P * N], [C * K, P, N]);
      cols = transposeEmit(ctx, colsT, [C * K, P, N], [2, 0, 1]);
    } else {
      [cols] = matMulEmit(ctx, transposeEmit(ctx, wm, [M, C * K], [1, 0]), [C * K, M], reshapeEmit(ctx, dy, [N, M, ...outSizes], [N, M, P]), [N, M, P]);
    }
    // a 1-D image goes in as 2-D, one row high: ONNX Runtime's 1-D Col2Im is wrong with dilations
    const lift = (v: readonly number[], one: number) => (r === 1 ? [one, ...v] : [...v]);
    const image = lift(xDims.slice(2), 1);
    const dx = ctx.op('Col2Im', [cols, ctx.ints(image), ctx.ints(lift(kernel, 1))], {
      strides: lift(a.strides, 1), pads: r === 1 ? [0, a.pads[0]!, 0, a.pads[1]!] : [...a.pads], dilations: lift(a.dilations, 1),
    });
    ctx.setDims(dx, [N, C, ...image]);
    return reshapeEmit(ctx, dx, [N, C, ...image], xDims);
  }
  // ONNX Runtime's grouped Conv runs a depthwise flip about twice as fast as its grouped ConvTranspose (MobileNetV2's 16×16 and 32×32 maps)
  const depthwise = a.group === C && M === C && wDims[1] === 1;
  const flipped = depthwise ? convInputGradByFlipEmit(ctx, dy, w, wDims, xDims, a) : undefined;
  if (flipped) return flipped;
  const outputPadding = xDims.slice(2).map((size, i) => (size + a.pads[i]! + a.pads[r + i]! - (wDims[2 + i]! - 1) * a.dilations[i]! - 1) % a.strides[i]!);
  const attrs: Record<string, number[] | number> = convAttrs(a);
  if (outputPadding.some((p) => p !== 0)) attrs.output_padding = outputPadding;
  const dx = ctx.op('ConvTranspose', [dy, w], attrs);
  ctx.setDims(dx, xDims);
  return dx;
}

/**
 * Whether the flipped Conv of convInputGradByFlipEmit applies (pads of at
 * most the kernel's reach, q ≥ 0) and does no more multiplies than
 * ConvTranspose: its output is the image, ConvTranspose's input δ, so along
 * every axis the pads must keep the image's size (p_begin + p_end ≥ (k − 1)·d).
 */
export function flipReadsNoMore(wDims: readonly number[], a: ConvAttrs): boolean {
  const kernel = wDims.slice(2);
  const r = kernel.length;
  return kernel.every((k, i) => {
    const reach = (k - 1) * a.dilations[i]!;
    const [pb, pe] = [a.pads[i]!, a.pads[r + i]!];
    return pb <= reach && pe <= reach && pb + pe >= reach;
  });
}

/**
 * The pads q = (k − 1)·d − p (begin and end of every spatial axis) of the
 * Conv by the flipped kernel that gives a unit-stride convolution's input
 * gradient; undefined where a stride is not 1 or some q < 0 (a pad past the
 * kernel's reach).
 */
export function flipConvPads(wDims: readonly number[], a: ConvAttrs): number[] | undefined {
  if (a.strides.some((s) => s !== 1)) return undefined;
  const reach = wDims.slice(2).map((k, i) => (k - 1) * a.dilations[i]!);
  const q = a.pads.map((p, i) => reach[i % reach.length]! - p);
  return q.every((v) => v >= 0) ? q : undefined;
}

/**
 * The input gradient of a convolution with unit strides as a forward Conv of
 * δ by the kernel with each group's channel axes swapped and every spatial
 * axis reversed, padded by q = (k − 1)·d − p on each side (opset 10 on, for
 * Slice's negative steps; undefined where a stride is not 1 or some q < 0):
 *   ∂X[n, g·Cg + c, i] = Σ_m Σ_t W[g·Mg + m, c, K − 1 − t] · δ_q[n, g·Mg + m, i + t·d]
 * with Cg = C/G and Mg = M/G; W̃ [C, Mg, k…] is W [M, Cg, k…] seen as
 * [G, Mg, Cg, k…] with its middle axes swapped (nothing to move for one map
 * per group, depthwise), its taps then reversed.
 */
export function convInputGradByFlipEmit(ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs): string | undefined {
  const [M, Cg] = wDims as [number, number];
  const G = a.group;
  const Mg = M / G;
  const kernel = wDims.slice(2);
  const q = flipConvPads(wDims, a);
  if (ctx.opset < 10 || !q) return undefined;
  const axes = kernel.map((_, i) => i + 2);
  const flipDims = [G * Cg, Mg, ...kernel];
  const flip = ctx.memo(`flip:${w}`, () => {
    let swapped = w;
    if (Mg > 1 && Cg > 1) {
      swapped = G === 1 ? transposeEmit(ctx, w, wDims, [1, 0, ...axes])
        : reshapeEmit(ctx, transposeEmit(ctx, reshapeEmit(ctx, w, wDims, [G, Mg, Cg, ...kernel]), [G, Mg, Cg, ...kernel], [0, 2, 1, ...axes.map((x) => x + 1)]), [G, Cg, Mg, ...kernel], flipDims);
    } else if (Mg !== 1 || Cg !== 1) {
      swapped = reshapeEmit(ctx, w, wDims, flipDims);
    }
    const f = ctx.op('Slice', [swapped, ctx.ints(axes.map(() => -1)), ctx.ints(axes.map(() => Number.MIN_SAFE_INTEGER)), ctx.ints(axes), ctx.ints(axes.map(() => -1))]);
    ctx.setDims(f, flipDims);
    return f;
  });
  const dx = ctx.op('Conv', [dy, flip], { strides: kernel.map(() => 1), pads: q, dilations: [...a.dilations], group: G });
  ctx.setDims(dx, xDims);
  return dx;
}

/** The sizes an input-gradient form reads: batch N, channels C, output maps M, the kernel, K taps, the image, the output and P positions. */
function inputGradGeometry(wDims: readonly number[], xDims: readonly number[], a: ConvAttrs) {
  const [N, C] = xDims as [number, number];
  const kernel = wDims.slice(2);
  const inner = xDims.slice(2);
  const outSizes = convOutSizes(inner, kernel, a);
  return { N, C, M: wDims[0]!, kernel, K: sizeOf(kernel), inner, outSizes, P: sizeOf(outSizes) };
}

/**
 * convInputGradEmit's 'patches' form (stride 1): with q = (k − 1)·d − p per
 * side, ∂X[n,c,i] = Σ_{m,t} δ_q[n, m, i + t·d] · W[m, c, K − 1 − t], δ_q being δ
 * zero-padded by q (cropped where q < 0): a valid correlation of δ_q with the
 * flipped, transposed kernel, done as one Gemm over the batch (the flip
 * taken by reading the patches' taps in reverse) and moved back to
 * [N, C, in…].
 */
function convInputGradByPatchesEmit(ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs): string {
  const { N, C, M, kernel, K, inner, outSizes } = inputGradGeometry(wDims, xDims, a);
  let dyq = dy;
  let dqDims = [N, M, ...outSizes];
  const q = kernel.map((k, i) => (k - 1) * a.dilations[i]! - a.pads[i]!);
  if (q.some((v) => v < 0)) {
    const axes = q.map((_, i) => i + 2).filter((ax) => q[ax - 2]! < 0);
    const starts = axes.map((ax) => -q[ax - 2]!);
    const ends = axes.map((ax) => dqDims[ax]!);
    dyq = ctx.opset >= 10
      ? ctx.op('Slice', [dy, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)])
      : ctx.op('Slice', [dy], { starts, ends, axes });
    dqDims = dqDims.map((d, ax) => (ax >= 2 && q[ax - 2]! < 0 ? d + q[ax - 2]! : d));
    ctx.setDims(dyq, dqDims);
  }
  const flipAttrs: ConvAttrs = { strides: kernel.map(() => 1), pads: [...q.map((v) => Math.max(0, v)), ...q.map(() => 0)], dilations: [...a.dilations], group: 1 };
  // rows (m, t) with the taps reversed, so that W itself, [C, M·K] once its first two axes are swapped, is the flipped kernel
  const cols = patchColsEmit(ctx, dyq, dqDims, kernel, inner, flipAttrs, true);
  const wt = swapFirstEmit(ctx, w, wDims);
  const P = sizeOf(inner);
  const dxt = gemmEmit(ctx, reshapeEmit(ctx, wt, [C, M, ...kernel], [C, M * K]), cols, false, false, [C, P * N]);
  return unfoldForPatchesEmit(ctx, dxt, C, N, inner, kernel, flipAttrs);
}

/**
 * The column gradient Wᵀ·δ [C·K, ·] by one Gemm (W read in place through
 * transA), δ folded with the batch innermost ([M, P·N], `batchLast`) or
 * outermost ([M, N·P]) unless given folded, with the geometry the forms
 * that spread it back onto the image read.
 */
function columnGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs, batchLast: boolean, dyFolded?: string,
) {
  const geo = inputGradGeometry(wDims, xDims, a);
  const { N, C, M, K, outSizes, P } = geo;
  const dyDims = [N, M, ...outSizes];
  const folded = dyFolded ?? (batchLast ? foldPositionsEmit(ctx, dy, dyDims) : foldBatchEmit(ctx, dy, dyDims));
  const cols = gemmEmit(ctx, reshapeEmit(ctx, w, wDims, [M, C * K]), folded, true, false, [C * K, N * P]);
  return { ...geo, cols };
}

/**
 * convInputGradEmit's 'gather' form: cols = Wᵀ·δ [C, K·P, N] by one Gemm (W
 * read in place through transA, δ folded with the batch innermost), one zero
 * column appended; image position i receives the columns (t, o) with
 * o·s − p_begin + t·d = i, at most R of them (R = Π ⌈k/s⌉ where the kernel
 * fits): one Gather of R columns per position, [C, R, P_x, N], the zero
 * column filling the short lists, summed over R and moved back to
 * [N, C, in…].
 */
function convInputGradByGatherEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs, dyFolded?: string,
): string {
  const { N, C, K, kernel, inner, outSizes, P, cols } = columnGradEmit(ctx, dy, w, wDims, xDims, a, true, dyFolded);
  const Px = sizeOf(inner);
  const flat = reshapeEmit(ctx, cols, [C * K, P * N], [C, K * P, N]);
  const zeroPads = [0, 0, 0, 0, 1, 0];
  const withZero = ctx.opset >= 11 ? ctx.op('Pad', [flat, ctx.ints(zeroPads)]) : ctx.op('Pad', [flat], { pads: zeroPads });
  ctx.setDims(withZero, [C, K * P + 1, N]);
  // the columns each image position receives
  const lists: number[][] = Array.from({ length: Px }, () => []);
  const innerStrides = inner.map((_, i) => sizeOf(inner.slice(i + 1)));
  gridOf(kernel).forEach((t, ti) => {
    gridOf(outSizes).forEach((o, oi) => {
      const pos = o.map((v, i) => v * a.strides[i]! - a.pads[i]! + t[i]! * a.dilations[i]!);
      if (pos.every((v, i) => v >= 0 && v < inner[i]!)) lists[pos.reduce((acc, v, i) => acc + v * innerStrides[i]!, 0)]!.push(ti * P + oi);
    });
  });
  const R = Math.max(1, ...lists.map((l) => l.length));
  const index: number[] = [];
  for (let k = 0; k < R; k++) for (const l of lists) index.push(l[k] ?? K * P);
  const g = ctx.op('Gather', [withZero, ctx.ints(index, [R, Px])], { axis: 1 });
  ctx.setDims(g, [C, R, Px, N]);
  const summed = R === 1 ? reshapeEmit(ctx, g, [C, 1, Px, N], [C, Px, N]) : reduceSumEmit(ctx, g, [C, R, Px, N], [1], false);
  const back = transposeEmit(ctx, summed, [C, Px, N], [2, 0, 1]);
  return reshapeEmit(ctx, back, [N, C, Px], xDims);
}

/**
 * convInputGradEmit's 'shift' form: cols = Wᵀ·δ [C, K, N, o…] by one Gemm
 * (W read in place through transA); tap t's columns, [C, N, o…], get s − 1
 * zeros after each entry along each axis (Pad between unit axes) and move
 * by k·d − p_begin, cropped or zero-padded to the image, so that entry o
 * lands on o·s − p_begin + k·d; the K taps are summed and the batch moved
 * back in front.
 */
function convInputGradByShiftsEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs, dyFolded?: string,
): string {
  const { N, C, K, kernel, inner, outSizes, P, cols } = columnGradEmit(ctx, dy, w, wDims, xDims, a, false, dyFolded);
  const pieceDims = [C, N, ...outSizes];
  const byTap = reshapeEmit(ctx, cols, [C * K, N * P], [C, K, N * P]);
  const pieces = K === 1 ? [byTap] : K + 1 <= ctx.maxOperands
    ? ctx.add('Split', ctx.opset >= 13 ? [byTap, ctx.ints(new Array<number>(K).fill(1))] : [byTap], ctx.opset >= 13 ? { axis: 1 } : { axis: 1, split: new Array<number>(K).fill(1) }, K)
    : Array.from({ length: K }, (_, t) => (ctx.opset >= 10
      ? ctx.op('Slice', [byTap, ctx.ints([t]), ctx.ints([t + 1]), ctx.ints([1])])
      : ctx.op('Slice', [byTap], { starts: [t], ends: [t + 1], axes: [1] })));
  const spread = a.strides.some((s) => s !== 1);
  const spreadDims = [C, N, ...outSizes.map((o, i) => o * a.strides[i]!)];
  const placed = gridOf(kernel).map((t, i) => {
    let v = reshapeEmit(ctx, pieces[i]!, [C, 1, N * P], spread ? [C, N, ...outSizes.flatMap((o) => [o, 1])] : pieceDims);
    if (spread) {
      const unitDims = [C, N, ...outSizes.flatMap((o) => [o, 1])];
      const pads = [...unitDims.map(() => 0), 0, 0, ...outSizes.flatMap((_, j) => [0, a.strides[j]! - 1])];
      const padded = ctx.opset >= 11 ? ctx.op('Pad', [v, ctx.ints(pads)]) : ctx.op('Pad', [v], { pads });
      v = reshapeEmit(ctx, padded, [C, N, ...outSizes.flatMap((o, j) => [o, a.strides[j]!])], spreadDims);
    }
    const begin = t.map((k, j) => k * a.dilations[j]! - a.pads[j]!);
    const end = inner.map((size, j) => size - spreadDims[2 + j]! - begin[j]!);
    return shiftSpatialEmit(ctx, v, spreadDims, begin, end);
  });
  const sum = sumTreeEmit(ctx, placed, [C, N, ...inner]);
  return swapFirstEmit(ctx, sum, [C, N, ...inner]);
}

/** x with begin[a]/end[a] zeros added before/after spatial axis a, or as many entries cut where negative. */
function shiftSpatialEmit(ctx: EmitContext, x: string, dims: readonly number[], begin: readonly number[], end: readonly number[]): string {
  let y = x;
  let d = [...dims];
  const cut = begin.map((b, i) => i).filter((i) => begin[i]! < 0 || end[i]! < 0);
  if (cut.length > 0) {
    const axes = cut.map((i) => i + 2);
    const starts = cut.map((i) => Math.max(0, -begin[i]!));
    const ends = cut.map((i) => dims[i + 2]! - Math.max(0, -end[i]!));
    y = ctx.opset >= 10 ? ctx.op('Slice', [y, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes)]) : ctx.op('Slice', [y], { starts, ends, axes });
    d = d.map((n, a) => (a >= 2 ? n - Math.max(0, -begin[a - 2]!) - Math.max(0, -end[a - 2]!) : n));
    ctx.setDims(y, d);
  }
  return padSpatialEmit(ctx, y, d, begin.map((b) => Math.max(0, b)), end.map((e) => Math.max(0, e)))[0];
}

/** The sum of same-shaped `parts`: one Sum, or a tree of them with at most ctx.maxOperands inputs each. */
function sumTreeEmit(ctx: EmitContext, parts: readonly string[], dims: readonly number[]): string {
  if (parts.length === 1) return parts[0]!;
  const k = Math.max(2, ctx.maxOperands - 1);
  if (parts.length > k) {
    const per = Math.ceil(parts.length / Math.ceil(parts.length / k));
    const heads: string[] = [];
    for (let i = 0; i < parts.length; i += per) heads.push(sumTreeEmit(ctx, parts.slice(i, i + per), dims));
    return sumTreeEmit(ctx, heads, dims);
  }
  const y = ctx.op('Sum', [...parts]);
  ctx.setDims(y, dims);
  return y;
}

/** conv2dInputGrad as ONNX nodes: convInputGradEmit on [N,C,H,W] operands. */
export function conv2dInputGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: Conv2dAttrs,
): string {
  return convInputGradEmit(ctx, dy, w, wDims, xDims, a);
}
