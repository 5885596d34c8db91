/**
 * Layouts the batch-wide convolution forms share: patch matrices (one Gather,
 * or per-tap strided Slices), δ folded to match them and products moved back
 * to [N, M, o…], with the small shape helpers they need (a convolution's
 * output sizes and attributes, whether it is dense).
 */
import type { ConvAttrs } from '../tensor/conv.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { gridOf, reshapeEmit, transposeEmit } from './emit-helpers.js';

/** A convolution's attributes as the ONNX node's. */
export function convAttrs(a: ConvAttrs): Record<string, number[] | number> {
  return { strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations], group: a.group };
}

/** Whether a Conv reads each image whole with one window (output 1×…×1, no pads, kernel = input): its gradients are plain matrix products. */
export function isDenseConv(xDims: readonly number[], wDims: readonly number[], a: ConvAttrs): boolean {
  return a.group === 1 && a.pads.every((p) => p === 0) && xDims.slice(2).every((d, i) => d === wDims[2 + i] && (d === 1 || a.dilations[i] === 1));
}

/** Output positions of a convolution along each spatial axis: ⌊(in + pb + pe − (k − 1)·d − 1)/s⌋ + 1. */
export function convOutSizes(inner: readonly number[], kernel: readonly number[], a: ConvAttrs): number[] {
  const r = inner.length;
  return inner.map((size, i) => Math.floor((size + a.pads[i]! + a.pads[r + i]! - (kernel[i]! - 1) * a.dilations[i]! - 1) / a.strides[i]!) + 1);
}

/** A·B (with transA/transB) as one Gemm; before opset 11 Gemm needs its C input, a scalar 0 then. */
export function gemmEmit(ctx: EmitContext, a: string, b: string, transA: boolean, transB: boolean, dims: readonly number[]): string {
  const attrs = { transA: transA ? 1 : 0, transB: transB ? 1 : 0 };
  const y = ctx.opset >= 11 ? ctx.op('Gemm', [a, b], attrs) : ctx.op('Gemm', [a, b, ctx.floats([0], [])], attrs);
  ctx.setDims(y, dims);
  return y;
}

/** y = x with its first two axes swapped ([A,B,…] → [B,A,…]), no node when one of them is 1 (a Reshape then). */
export function swapFirstEmit(ctx: EmitContext, x: string, dims: readonly number[]): string {
  const swapped = [dims[1]!, dims[0]!, ...dims.slice(2)];
  if (dims[0] === 1 || dims[1] === 1) return reshapeEmit(ctx, x, dims, swapped);
  return ctx.memo(`swap:${x}`, () => transposeEmit(ctx, x, dims, [1, 0, ...dims.slice(2).map((_, i) => i + 2)]));
}

/** Zero padding before and after the spatial axes (2…) of x; no node when nothing is padded. */
export function padSpatialEmit(ctx: EmitContext, x: string, dims: readonly number[], begin: readonly number[], end: readonly number[]): [string, number[]] {
  if (begin.every((p) => p === 0) && end.every((p) => p === 0)) return [x, [...dims]];
  const pads = [0, 0, ...begin, 0, 0, ...end];
  const y = ctx.opset >= 11 ? ctx.op('Pad', [x, ctx.ints(pads)]) : ctx.op('Pad', [x], { pads });
  const out = dims.map((d, i) => (i < 2 ? d : d + begin[i - 2]! + end[i - 2]!));
  ctx.setDims(y, out);
  return [y, out];
}

/**
 * The patch matrix of a convolution from v [B, A, in…] (B images of A
 * channels), channel-major with the batch innermost:
 *   cols[a·K + t, o·B + b] = v_padded[b, a, o·s + t·d]    [A·K, P·B]
 * with t the kernel tap (row-major over k…, in reverse order when `reversed`,
 * as the flipped kernel of an input gradient reads them) and o the output
 * position: v moved to [A, in…, B] and zero-padded, [A, S, B] over its S
 * padded positions, then one Gather of the K·P positions the taps read, each
 * a run of B values (ONNX Runtime gathers runs far faster than it slices the
 * small strided windows of K separate taps). A 1×1 kernel with unit strides
 * and no pads gets v with its first two axes swapped instead, [A, B·P], the
 * batch outermost (batchInner). Memoised, so that a forward convolution and
 * its weight gradient build it once.
 */
export function patchColsEmit(
  ctx: EmitContext, v: string, vDims: readonly number[], kernel: readonly number[], outSizes: readonly number[], a: ConvAttrs, reversed = false,
): string {
  if (!batchInner(kernel, a)) {
    const [B, A] = vDims as [number, number];
    return reshapeEmit(ctx, swapFirstEmit(ctx, v, vDims), [A, B, ...vDims.slice(2)], [A, B * sizeOf(vDims.slice(2))]);
  }
  const key = `patch-cols:${v}:${kernel.join(',')}:${a.strides.join(',')}:${a.pads.join(',')}:${a.dilations.join(',')}:${outSizes.join(',')}:${reversed ? 'r' : ''}`;
  return ctx.memo(key, () => {
    const r = kernel.length;
    const [B, A] = vDims as [number, number];
    const inner = vDims.slice(2);
    const P = sizeOf(outSizes);
    const K = sizeOf(kernel);
    const reach = kernel.map((k, i) => (outSizes[i]! - 1) * a.strides[i]! + (k - 1) * a.dilations[i]! + 1);
    const begin = a.pads.slice(0, r);
    const end = inner.map((size, i) => Math.max(0, reach[i]! - begin[i]! - size));
    const moved = transposeEmit(ctx, v, vDims, [1, ...inner.map((_, i) => i + 2), 0]);
    const movedDims = [A, ...inner, B];
    const pDims = [A, ...inner.map((size, i) => size + begin[i]! + end[i]!), B];
    let padded = moved;
    if (begin.some((q) => q !== 0) || end.some((q) => q !== 0)) {
      const pads = [0, ...begin, 0, 0, ...end, 0];
      padded = ctx.opset >= 11 ? ctx.op('Pad', [moved, ctx.ints(pads)]) : ctx.op('Pad', [moved], { pads });
      ctx.setDims(padded, pDims);
    }
    const S = sizeOf(pDims.slice(1, -1));
    const flat = reshapeEmit(ctx, padded, padded === moved ? movedDims : pDims, [A, S, B]);
    // row-major strides of the padded positions
    const strides = pDims.slice(1, -1).map((_, i) => sizeOf(pDims.slice(2 + i, -1)));
    const taps = gridOf(kernel);
    if (reversed) taps.reverse();
    const positions = gridOf(outSizes);
    const index: number[] = [];
    for (const t of taps) {
      for (const o of positions) index.push(o.reduce((acc, oi, i) => acc + (oi * a.strides[i]! + t[i]! * a.dilations[i]!) * strides[i]!, 0));
    }
    const g = ctx.op('Gather', [flat, ctx.ints(index, [K, P])], { axis: 1 });
    ctx.setDims(g, [A, K, P, B]);
    return reshapeEmit(ctx, g, [A, K, P, B], [A * K, P * B]);
  });
}

/**
 * Whether patchColsEmit puts the batch innermost in its columns (P·N): every
 * patch matrix it gathers. A 1×1 kernel with unit strides and no pads reads
 * the input as it is, and its patch matrix is x with its first two axes
 * swapped, [C, N·P]: a Transpose of whole maps, several times faster than
 * moving every value, so that layout (and δ folded to match, foldBatchEmit)
 * is kept there (MobileNetV2's pointwise layers).
 */
export function batchInner(kernel: readonly number[], a: ConvAttrs): boolean {
  return !(kernel.every((k) => k === 1) && a.strides.every((v) => v === 1) && a.pads.every((v) => v === 0));
}

/** δ [N, M, o…] folded as patchColsEmit's columns for this kernel: [M, P·N] (foldPositionsEmit) or [M, N·P] (foldBatchEmit). */
export function foldForPatchesEmit(ctx: EmitContext, dy: string, dyDims: readonly number[], kernel: readonly number[], a: ConvAttrs): string {
  return batchInner(kernel, a) ? foldPositionsEmit(ctx, dy, dyDims) : foldBatchEmit(ctx, dy, dyDims);
}

/** A product with patchColsEmit's columns, [M, ·], back to [N, M, o…]. */
export function unfoldForPatchesEmit(ctx: EmitContext, y: string, M: number, N: number, outSizes: readonly number[], kernel: readonly number[], a: ConvAttrs): string {
  if (batchInner(kernel, a)) return unfoldPositionsEmit(ctx, y, M, N, outSizes);
  const P = sizeOf(outSizes);
  return swapFirstEmit(ctx, reshapeEmit(ctx, y, [M, N * P], [M, N, ...outSizes]), [M, N, ...outSizes]);
}

/** δ [N, M, o…] as [M, P·N]: the batch folded into the columns, innermost (as patchColsEmit lays out its columns). */
export function foldPositionsEmit(ctx: EmitContext, dy: string, dyDims: readonly number[]): string {
  const [N, M] = dyDims as [number, number];
  const outSizes = dyDims.slice(2);
  const P = sizeOf(outSizes);
  return ctx.memo(`fold-positions:${dy}`, () => {
    const t = transposeEmit(ctx, dy, dyDims, [1, ...outSizes.map((_, i) => i + 2), 0]);
    return reshapeEmit(ctx, t, [M, ...outSizes, N], [M, P * N]);
  });
}

/** y [M, P·N] (batch innermost) back to [N, M, o…]. */
export function unfoldPositionsEmit(ctx: EmitContext, y: string, M: number, N: number, outSizes: readonly number[]): string {
  const P = sizeOf(outSizes);
  const t = transposeEmit(ctx, reshapeEmit(ctx, y, [M, P * N], [M, P, N]), [M, P, N], [2, 0, 1]);
  return reshapeEmit(ctx, t, [N, M, P], [N, M, ...outSizes]);
}

/**
 * What each kernel tap t reads, from xt [A, B, in…] (the convolution's input
 * with its first two axes swapped): tap_t[a, b·P + o] = xt_padded[a, b, o·s + t·d],
 * [A, B·P] per tap (row-major over k…); one strided Slice of the
 * zero-padded input each.
 */
export function tapsEmit(ctx: EmitContext, xt: string, xtDims: readonly number[], kernel: readonly number[], outSizes: readonly number[], a: ConvAttrs): string[] {
  const r = kernel.length;
  const [A, B] = xtDims as [number, number];
  const inner = xtDims.slice(2);
  const P = sizeOf(outSizes);
  const reach = kernel.map((k, i) => (outSizes[i]! - 1) * a.strides[i]! + (k - 1) * a.dilations[i]! + 1);
  const begin = a.pads.slice(0, r);
  const end = inner.map((size, i) => Math.max(0, reach[i]! - begin[i]! - size));
  const [padded, pDims] = padSpatialEmit(ctx, xt, xtDims, begin, end);
  const axes = inner.map((_, i) => i + 2);
  const tapDims = [A, B, ...outSizes];
  const whole = (starts: number[]) => starts.every((st, i) => st === 0 && outSizes[i] === pDims[2 + i]) && a.strides.every((s) => s === 1);
  return gridOf(kernel).map((t) => {
    const starts = t.map((k, i) => k * a.dilations[i]!);
    let tap = padded;
    if (!whole(starts)) {
      const ends = starts.map((st, i) => st + (outSizes[i]! - 1) * a.strides[i]! + 1);
      tap = ctx.opset >= 10
        ? ctx.op('Slice', [padded, ctx.ints(starts), ctx.ints(ends), ctx.ints(axes), ctx.ints([...a.strides])])
        : ctx.op('Slice', [padded], { starts, ends, axes });
      ctx.setDims(tap, tapDims);
    }
    return reshapeEmit(ctx, tap, tapDims, [A, B * P]);
  });
}

/** δ [N, M, o…] as [M, N·P]: the batch folded into the columns. */
export function foldBatchEmit(ctx: EmitContext, dy: string, dyDims: readonly number[]): string {
  const [N, M] = dyDims as [number, number];
  const P = sizeOf(dyDims.slice(2));
  const t = swapFirstEmit(ctx, dy, dyDims);
  return reshapeEmit(ctx, t, [M, N, ...dyDims.slice(2)], [M, N * P]);
}
