/**
 * Building blocks for the shape emitters: static crops and zero pads, block
 * upsampling, zeros, index ranges, Split and Concat in the model's opset
 * form, and the Slice gradient (the pooling gradients are in emit-pool.ts).
 * Every helper records the dims of what it creates (ctx.setDims).
 */
import { DataType } from '../onnx/dtypes.js';
import { sizeOf, stridesOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { expandToEmit, reduceSumEmit, reshapeEmit } from './emit-helpers.js';

/** `name` with its dims recorded (ctx.setDims). */
export function record(ctx: EmitContext, name: string, dims: readonly number[]): string {
  ctx.setDims(name, dims);
  return name;
}

/**
 * x [dims] with begin[a] zeros added before axis a and end[a] after; negative
 * amounts crop instead (Slice for the crops, then Pad for the zeros).
 */
export function cropPadEmit(
  ctx: EmitContext, x: string, dims: readonly number[], begin: readonly number[], end: readonly number[],
): string {
  let y = x;
  let d = [...dims];
  const cropAxes = dims.map((_, a) => a).filter((a) => begin[a]! < 0 || end[a]! < 0);
  if (cropAxes.length > 0) {
    const starts = cropAxes.map((a) => Math.max(0, -begin[a]!));
    const ends = cropAxes.map((a) => dims[a]! - Math.max(0, -end[a]!));
    y = ctx.opset >= 10
      ? ctx.op('Slice', [y, ctx.ints(starts), ctx.ints(ends), ctx.ints(cropAxes)])
      : ctx.op('Slice', [y], { starts, ends, axes: cropAxes });
    d = dims.map((n, a) => n - Math.max(0, -begin[a]!) - Math.max(0, -end[a]!));
    record(ctx, y, d);
  }
  const pads = [...begin.map((b) => Math.max(0, b)), ...end.map((e) => Math.max(0, e))];
  if (pads.some((p) => p > 0)) {
    y = ctx.opset >= 11 ? ctx.op('Pad', [y, ctx.ints(pads)]) : ctx.op('Pad', [y], { pads });
    d = d.map((n, a) => n + pads[a]! + pads[a + d.length]!);
    record(ctx, y, d);
  }
  return y;
}

/**
 * A float32 tensor of zeros shaped `dims` (Expand of a scalar 0, so the model
 * holds no zero array; Tile of a [1,…,1] zero before opset 8).
 */
export function zerosEmit(ctx: EmitContext, dims: readonly number[]): string {
  if (ctx.opset < 8) {
    const ones = dims.map(() => 1);
    const zero = ctx.floats([0], ones);
    return sizeOf(dims) === 1 ? record(ctx, ctx.op('Identity', [zero]), dims) : expandToEmit(ctx, zero, ones, dims);
  }
  return record(ctx, ctx.op('Expand', [ctx.floats([0], []), ctx.ints(dims)]), dims);
}

/**
 * g where `hit` holds and 0 elsewhere, broadcast to `dims`: Where from opset 9,
 * before it g · Cast(hit to float).
 */
export function selectEmit(ctx: EmitContext, hit: string, g: string, dims: readonly number[]): string {
  if (ctx.opset >= 9) return record(ctx, ctx.op('Where', [hit, g, ctx.floats([0], [])]), dims);
  const mask = ctx.op('Cast', [hit], { to: DataType.FLOAT });
  return record(ctx, ctx.op('Mul', [mask, g]), dims);
}

/** i mod n for int64 i ≥ 0 of `dims` and a constant n: Mod from opset 10, i − ⌊i/n⌋·n before. */
export function modEmit(ctx: EmitContext, i: string, n: number, dims: readonly number[]): string {
  const c = ctx.ints([n], []);
  if (ctx.opset >= 10) return record(ctx, ctx.op('Mod', [i, c]), dims);
  const whole = ctx.op('Mul', [ctx.op('Div', [i, c]), c]);
  return record(ctx, ctx.op('Sub', [i, whole]), dims);
}

/** The int64 vector [0, 1, …, n − 1] (Range from opset 11, a constant before). */
export function indexRangeEmit(ctx: EmitContext, n: number): string {
  if (ctx.opset < 11) return ctx.ints(Array.from({ length: n }, (_, i) => i));
  return record(ctx, ctx.op('Range', [ctx.ints([0], []), ctx.ints([n], []), ctx.ints([1], [])]), [n]);
}

/**
 * Each value of x [A,B,h,w] copied into an fh×fw block, [A,B,h·fh,w·fw]:
 * Reshape [A,B,h,1,w,1] → Expand [A,B,h,fh,w,fw] → Reshape.
 */
export function upsampleEmit(ctx: EmitContext, x: string, dims: readonly number[], fh: number, fw: number): string {
  return upsampleNdEmit(ctx, x, dims, [fh, fw]);
}

/**
 * Each value of x [A,B,o…] copied into a block of `factors` (one per axis
 * after the first two), [A,B,o·f…]: Reshape [A,B,o1,1,o2,1,…] → Expand
 * [A,B,o1,f1,o2,f2,…] → Reshape.
 */
export function upsampleNdEmit(ctx: EmitContext, x: string, dims: readonly number[], factors: readonly number[]): string {
  if (factors.every((f) => f === 1)) return x;
  const [A, B] = dims as [number, number];
  const inner = dims.slice(2);
  const blocks = reshapeEmit(ctx, x, dims, [A, B, ...inner.flatMap((o) => [o, 1])]);
  const bigDims = [A, B, ...inner.flatMap((o, i) => [o, factors[i]!])];
  const big = expandToEmit(ctx, blocks, [A, B, ...inner.flatMap((o) => [o, 1])], bigDims);
  return reshapeEmit(ctx, big, bigDims, [A, B, ...inner.map((o, i) => o * factors[i]!)]);
}

/** ONNX Split of x into consecutive pieces of `sizes` along `axis` (split as an input from opset 13). */
export function splitEmit(ctx: EmitContext, x: string, dims: readonly number[], axis: number, sizes: readonly number[]): string[] {
  if (sizes.length === 1) return [x];
  const parts = ctx.opset >= 13
    ? ctx.add('Split', [x, ctx.ints(sizes)], { axis }, sizes.length)
    : ctx.add('Split', [x], { axis, split: [...sizes] }, sizes.length);
  parts.forEach((p, k) => record(ctx, p, dims.map((d, a) => (a === axis ? sizes[k]! : d))));
  return parts;
}

/** ONNX Concat of parts along `axis`. */
export function concatEmit(ctx: EmitContext, parts: readonly string[], dims: readonly (readonly number[])[], axis: number): string {
  if (parts.length === 1) return parts[0]!;
  const out = dims[0]!.map((d, a) => (a === axis ? dims.reduce((s, p) => s + p[a]!, 0) : d));
  return record(ctx, ctx.op('Concat', [...parts], { axis }), out);
}

/**
 * The Slice gradient as ONNX nodes, without a scatter: dx = zeros(dims(x))
 * with dx[start + i∘step] = dy[i]. The node's own Slice inputs (`sliceArgs`:
 * starts, ends and the optional axes and steps, read at run time) applied to
 * the flat index tensor of x give the index in x of every element of dy; per
 * axis a, its coordinates s_a [Y_a] pick, for each x position p, the dy
 * index q with s_a[q] = p (ArgMax of the one-hot [Y_a, X_a]) and whether
 * there is one; dy is then gathered along a and masked. Slicing is separable,
 * so doing this on every axis in turn scatters dy back exactly, whatever the
 * signs of the steps and the clamping of starts and ends.
 */
export function sliceGradEmit(
  ctx: EmitContext, dy: string, xDims: readonly number[], yDims: readonly number[], sliceArgs: readonly string[],
): string {
  if (yDims.some((d) => d === 0)) return zerosEmit(ctx, xDims);
  const r = xDims.length;
  const flat = reshapeEmit(ctx, indexRangeEmit(ctx, sizeOf(xDims)), [sizeOf(xDims)], xDims);
  const picked = record(ctx, ctx.op('Slice', [flat, ...sliceArgs]), yDims);
  const strides = stridesOf(xDims);
  let g = dy;
  const gDims = [...yDims];
  for (let a = 0; a < r; a++) {
    const X = xDims[a]!;
    const Y = yDims[a]!;
    const others = xDims.map((_, b) => b).filter((b) => b !== a);
    let line = picked;
    if (others.length > 0) {
      line = record(ctx, ctx.op('Slice', [picked, ctx.ints(others.map(() => 0)), ctx.ints(others.map(() => 1)), ctx.ints(others)]),
        yDims.map((d, b) => (b === a ? d : 1)));
    }
    let coord = reshapeEmit(ctx, line, yDims.map((d, b) => (b === a ? d : 1)), [Y, 1]);
    if (strides[a] !== 1) coord = record(ctx, ctx.op('Div', [coord, ctx.ints([strides[a]!], [])]), [Y, 1]);
    if (a > 0) coord = record(ctx, ctx.op('Mod', [coord, ctx.ints([X], [])]), [Y, 1]);
    const same = record(ctx, ctx.op('Equal', [coord, ctx.ints(Array.from({ length: X }, (_, p) => p), [1, X])]), [Y, X]);
    const oneHot = record(ctx, ctx.op('Cast', [same], { to: DataType.FLOAT }), [Y, X]);
    const source = record(ctx, ctx.op('ArgMax', [oneHot], { axis: 0, keepdims: 0 }), [X]);
    gDims[a] = X;
    g = record(ctx, ctx.op('Gather', [g, source], { axis: a }), gDims);
    if (Y !== X) {
      const hit = reduceSumEmit(ctx, oneHot, [Y, X], [0], false);
      const mask = reshapeEmit(ctx, hit, [X], xDims.map((d, b) => (b === a ? d : 1)));
      g = record(ctx, ctx.op('Mul', [g, mask]), gDims);
    }
  }
  return g;
}

/** Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze): δ takes the input's dims back (reshapeBack's ONNX twin). */
export function reshapeBackEmit(ctx: EmitContext): (string | undefined)[] {
  return [reshapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), ctx.dims(ctx.inputs[0]!))];
}
