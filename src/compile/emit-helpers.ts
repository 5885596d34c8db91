/**
 * Building blocks for emitters: the ONNX-node forms of the tensor primitives
 * the gradient rules are written with (reshape, transpose, reduceSum,
 * reduceToShape, up, down, Concat trees; the convolution gradients are in
 * emit-conv.ts and emit-conv-input.ts). The helpers take the static dims of their operands, record
 * the dims of what they create (ctx.setDims) so later emitters can read them,
 * and pass a value through untouched where the operation is the identity.
 * Forms follow the model's opset: ReduceSum takes its axes as an input from
 * opset 13, Pad its pads from opset 11.
 */
import type { RuleContext } from '../grad/rule.js';
import { broadcastShape } from '../tensor/broadcast.js';
import { sameShape } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';

/**
 * The attribute-reading part of a RuleContext (node and opset) for the rules'
 * helpers that take one, such as softmaxAxes and clipBounds; it holds no values.
 */
export function ruleView(ctx: EmitContext): RuleContext {
  return { node: ctx.node, opset: ctx.opset, inputs: [], outputs: [], gradOutputs: [], needs: ctx.needs };
}

/** Reshape x from `fromDims` to `toDims` (no node when they are equal). */
export function reshapeEmit(ctx: EmitContext, x: string, fromDims: readonly number[], toDims: readonly number[]): string {
  if (sameShape(fromDims, toDims)) return x;
  const y = ctx.op('Reshape', [x, ctx.ints(toDims)]);
  ctx.setDims(y, toDims);
  return y;
}

/**
 * y = transpose(x, perm): y.dims[i] = x.dims[perm[i]] (no node for the
 * identity permutation; a Reshape, which copies nothing, where only axes of
 * size 1 move).
 */
export function transposeEmit(ctx: EmitContext, x: string, dims: readonly number[], perm: readonly number[]): string {
  if (perm.every((p, i) => p === i)) return x;
  const out = perm.map((p) => dims[p]!);
  const moved = perm.filter((p) => dims[p] !== 1);
  if (moved.every((p, i) => i === 0 || p > moved[i - 1]!)) return reshapeEmit(ctx, x, dims, out);
  const y = ctx.op('Transpose', [x], { perm: [...perm] });
  ctx.setDims(y, out);
  return y;
}

/** Swap the last two axes (rank ≥ 2). */
export function swapLastEmit(ctx: EmitContext, x: string, dims: readonly number[]): string {
  const r = dims.length;
  return transposeEmit(ctx, x, dims, dims.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i)));
}

/** x · y (numpy matmul, both rank ≥ 2) as a MatMul node, with its dims recorded. */
export function matMulEmit(ctx: EmitContext, x: string, xDims: readonly number[], y: string, yDims: readonly number[]): [string, number[]] {
  const batch = broadcastShape(xDims.slice(0, -2), yDims.slice(0, -2));
  const dims = [...batch, xDims[xDims.length - 2]!, yDims[yDims.length - 1]!];
  const out = ctx.op('MatMul', [x, y]);
  ctx.setDims(out, dims);
  return [out, dims];
}

/** The dims of x with its last two axes swapped. */
export function swapLastDims(dims: readonly number[]): number[] {
  const r = dims.length;
  return dims.map((_, i) => dims[i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i]!);
}

/** Σ of x over `axes` (non-negative), kept as size-1 axes when keepDims; x itself when axes is empty. */
export function reduceSumEmit(ctx: EmitContext, x: string, dims: readonly number[], axes: readonly number[], keepDims: boolean): string {
  if (axes.length === 0) return x;
  const keepdims = keepDims ? 1 : 0;
  const y = ctx.opset >= 13
    ? ctx.op('ReduceSum', [x, ctx.ints(axes)], { keepdims })
    : ctx.op('ReduceSum', [x], { axes: [...axes], keepdims });
  const out = keepDims ? dims.map((d, i) => (axes.includes(i) ? 1 : d)) : dims.filter((_, i) => !axes.includes(i));
  ctx.setDims(y, out);
  return y;
}

/**
 * The adjoint of broadcasting `toDims` up to `fromDims` (numpy rules): g summed
 * over the leading axes `toDims` lacks and over the axes where it has size 1,
 * then reshaped to `outDims` (default `toDims`), as reduceToShape does.
 */
export function reduceToShapeEmit(
  ctx: EmitContext, g: string, fromDims: readonly number[], toDims: readonly number[], outDims: readonly number[] = toDims,
): string {
  const lead = fromDims.length - toDims.length;
  const axes = fromDims.map((_, i) => i).filter((i) => i < lead || (toDims[i - lead] === 1 && fromDims[i] !== 1));
  const summed = reduceSumEmit(ctx, g, fromDims, axes, true);
  const keptDims = fromDims.map((d, i) => (axes.includes(i) ? 1 : d));
  return reshapeEmit(ctx, summed, keptDims, outDims);
}

/**
 * x [dims] broadcast to `toDims` of the same rank (each axis equal or 1):
 * Expand from opset 8, Tile before; no node when the dims are equal.
 */
export function expandToEmit(ctx: EmitContext, x: string, dims: readonly number[], toDims: readonly number[]): string {
  if (sameShape(dims, toDims)) return x;
  const y = ctx.opset >= 8
    ? ctx.op('Expand', [x, ctx.ints(toDims)])
    : ctx.op('Tile', [x, ctx.ints(toDims.map((d, i) => d / dims[i]!))]);
  ctx.setDims(y, toDims);
  return y;
}

/** x · s for a constant s (no node when s = 1); records `dims` as the result's when given. */
export function scaleEmit(ctx: EmitContext, x: string, s: number, dims?: readonly number[]): string {
  if (s === 1) return x;
  const y = ctx.op('Mul', [x, ctx.floats([s], [])]);
  if (dims) ctx.setDims(y, dims);
  return y;
}

/** Zero padding at the end of each axis of x [dims] so that it becomes `toDims` (no node when equal). */
export function padEndEmit(ctx: EmitContext, x: string, dims: readonly number[], toDims: readonly number[]): string {
  if (sameShape(dims, toDims)) return x;
  const pads = [...dims.map(() => 0), ...toDims.map((d, i) => d - dims[i]!)];
  const y = ctx.opset >= 11 ? ctx.op('Pad', [x, ctx.ints(pads)]) : ctx.op('Pad', [x], { pads });
  ctx.setDims(y, toDims);
  return y;
}

/**
 * up(x, n) for x [N,C,h,w], zero-padded to [N,C,outH,outW]: each value copied
 * into an n×n block (x ⊗ 1_{n×n}) by a nearest Resize with scales n (before
 * opset 11: Reshape [N,C,h,1,w,1] → Expand (Tile before opset 8)
 * [N,C,h,n,w,n] → Reshape [N,C,h·n,w·n]), then Pad on the bottom and right.
 */
export function upEmit(ctx: EmitContext, x: string, dims: readonly number[], n: number, outH: number, outW: number): string {
  const [N, C, h, w] = dims as [number, number, number, number];
  let y = x;
  if (n > 1 && ctx.opset >= 11) {
    // Nearest-neighbour Resize with floor(i/n) indexing copies each value into its n×n block (and runs far faster than Expand).
    y = ctx.op('Resize', [x, '', ctx.floats([1, 1, n, n])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    ctx.setDims(y, [N, C, h * n, w * n]);
  } else if (n > 1) {
    const blocks = reshapeEmit(ctx, x, dims, [N, C, h, 1, w, 1]);
    const expanded = expandToEmit(ctx, blocks, [N, C, h, 1, w, 1], [N, C, h, n, w, n]);
    y = reshapeEmit(ctx, expanded, [N, C, h, n, w, n], [N, C, h * n, w * n]);
  }
  return padEndEmit(ctx, y, [N, C, h * n, w * n], [N, C, outH, outW]);
}

/**
 * down(x, n) for x [N,C,H,W]: the sum of each n×n block, [N,C,⌊H/n⌋,⌊W/n⌋],
 * as AveragePool (n×n, stride n) · n²; for n = 1 it is x itself.
 */
export function downEmit(ctx: EmitContext, x: string, dims: readonly number[], n: number): string {
  const [N, C, H, W] = dims as [number, number, number, number];
  const h = Math.floor(H / n);
  const w = Math.floor(W / n);
  if (n > 1) {
    // AveragePool over n×n windows with stride n drops the leftover rows/cols just as down() does; ×n² makes it the sum.
    const mean = ctx.op('AveragePool', [x], { kernel_shape: [n, n], strides: [n, n] });
    ctx.setDims(mean, [N, C, h, w]);
    const sum = ctx.op('Mul', [mean, ctx.floats([n * n], [])]);
    ctx.setDims(sum, [N, C, h, w]);
    return sum;
  }
  let cropped = x;
  if (h * n !== H || w * n !== W) {
    cropped = ctx.op('Slice', [x, ctx.ints([0, 0]), ctx.ints([h * n, w * n]), ctx.ints([2, 3])]);
    ctx.setDims(cropped, [N, C, h * n, w * n]);
  }
  const blocks = reshapeEmit(ctx, cropped, [N, C, h * n, w * n], [N, C, h, n, w, n]);
  return reduceSumEmit(ctx, blocks, [N, C, h, n, w, n], [3, 5], false);
}

/**
 * Concat of `parts` along `axis` (their dims in `dims`), as a tree of
 * Concats of at most ctx.maxOperands inputs each; the part itself when there
 * is one.
 */
export function concatTreeEmit(ctx: Pick<EmitContext, 'op' | 'setDims' | 'maxOperands'>, parts: readonly string[], dims: readonly (readonly number[])[], axis: number): string {
  if (parts.length === 1) return parts[0]!;
  const k = Math.max(2, ctx.maxOperands);
  if (parts.length > k) {
    const per = Math.ceil(parts.length / Math.ceil(parts.length / k));
    const heads: string[] = [];
    const headDims: number[][] = [];
    for (let i = 0; i < parts.length; i += per) {
      const d = dims.slice(i, i + per);
      heads.push(concatTreeEmit(ctx, parts.slice(i, i + per), d, axis));
      headDims.push(d[0]!.map((v, a) => (a === axis ? d.reduce((sum, x) => sum + x[a]!, 0) : v)));
    }
    return concatTreeEmit(ctx, heads, headDims, axis);
  }
  const y = ctx.op('Concat', [...parts], { axis });
  ctx.setDims(y, dims[0]!.map((v, a) => (a === axis ? dims.reduce((sum, x) => sum + x[a]!, 0) : v)));
  return y;
}

/**
 * α = softmax(c, axis 0) for c [I,J] as ONNX nodes. Before opset 13 Softmax
 * flattens every axis from `axis` on, so there it runs on cᵀ along axis 1.
 */
export function softmaxColumnsEmit(ctx: EmitContext, c: string, I: number, J: number): string {
  if (ctx.opset >= 13) {
    const alpha = ctx.op('Softmax', [c], { axis: 0 });
    ctx.setDims(alpha, [I, J]);
    return alpha;
  }
  const rows = ctx.op('Softmax', [transposeEmit(ctx, c, [I, J], [1, 0])], { axis: 1 });
  ctx.setDims(rows, [J, I]);
  return transposeEmit(ctx, rows, [J, I], [1, 0]);
}

/**
 * softmaxColumnsBackward as ONNX nodes: ∂E/∂c = α ∘ (g − Σ_k α_kj g_kj), the
 * sum over axis 0 kept as [1,J].
 */
export function softmaxColumnsBackwardEmit(ctx: EmitContext, alpha: string, g: string, I: number, J: number): string {
  const s = reduceSumEmit(ctx, ctx.op('Mul', [alpha, g]), [I, J], [0], true);
  const dc = ctx.op('Mul', [alpha, ctx.op('Sub', [g, s])]);
  ctx.setDims(dc, [I, J]);
  return dc;
}

/** Every index of a grid of `dims`, row-major. */
export function gridOf(dims: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const d of dims) out = out.flatMap((prefix) => Array.from({ length: d }, (_, i) => [...prefix, i]));
  return out;
}
