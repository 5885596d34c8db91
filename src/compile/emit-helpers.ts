/**
 * Building blocks for emitters: the ONNX-node forms of the tensor primitives
 * the gradient rules are written with (reshape, transpose, reduceSum,
 * reduceToShape, up, down, the convolution gradients over 1–3 spatial
 * axes, reduceBiasGrad). The helpers take the static dims of their operands, record
 * the dims of what they create (ctx.setDims) so later emitters can read them,
 * and pass a value through untouched where the operation is the identity.
 * Forms follow the model's opset: ReduceSum takes its axes as an input from
 * opset 13, Pad its pads from opset 11.
 */
import type { ConvGeometry } from '../grad/rules/conv.js';
import type { RuleContext } from '../grad/rule.js';
import type { Conv2dAttrs, ConvAttrs } from '../tensor/conv.js';
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

/** y = transpose(x, perm): y.dims[i] = x.dims[perm[i]] (no node for the identity permutation). */
export function transposeEmit(ctx: EmitContext, x: string, dims: readonly number[], perm: readonly number[]): string {
  if (perm.every((p, i) => p === i)) return x;
  const y = ctx.op('Transpose', [x], { perm: [...perm] });
  ctx.setDims(y, perm.map((p) => dims[p]!));
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

function convAttrs(a: ConvAttrs): Record<string, number[] | number> {
  return { strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations], group: a.group };
}

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
 * The gradient of a convolution with respect to its input, over 1–3 spatial
 * axes, as one ConvTranspose(δ, W) with the forward strides, pads, dilations
 * and group, and per axis an output_padding
 *   r = (in + p_begin + p_end − (k − 1)·d − 1) mod s  (0 ≤ r < s),
 * the positions the forward's floor division dropped, so that the result has
 * X's dims exactly. dy [N,M,o…], w [M,C/group,k…], xDims [N,C,in…].
 */
export function convInputGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: ConvAttrs,
): string {
  const r = xDims.length - 2;
  const outputPadding = xDims.slice(2).map((size, i) => (size + a.pads[i]! + a.pads[r + i]! - (wDims[2 + i]! - 1) * a.dilations[i]! - 1) % a.strides[i]!);
  const attrs: Record<string, number[] | number> = convAttrs(a);
  if (outputPadding.some((p) => p !== 0)) attrs.output_padding = outputPadding;
  const dx = ctx.op('ConvTranspose', [dy, w], attrs);
  ctx.setDims(dx, xDims);
  return dx;
}

/** conv2dInputGrad as ONNX nodes: convInputGradEmit on [N,C,H,W] operands. */
export function conv2dInputGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: Conv2dAttrs,
): string {
  return convInputGradEmit(ctx, dy, w, wDims, xDims, a);
}

/**
 * The gradient of a convolution with respect to its weight, over 1–3 spatial axes:
 *   dW[m,c,k…] = Σ_{n,o…} δ[n,m,o…] · x[n, g·Cg + c, o·s − p_begin + k·d …]
 * as one Conv whose batch is the input channel and whose kernel is δ:
 *   x [N,G·Cg,in…] → [Cg, G·N, in…] (channel g·N + n),  δ [N,M,o…] → [M, N, o…],
 *   Conv(group G, strides = forward dilations, dilations = forward strides, pads as forward)
 *     → [Cg, M, ≥k…],
 * sliced to k… (the extra positions come from padding past the last window)
 * and transposed to [M, Cg, k…].
 */
export function convWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[],
  wDims: readonly number[], a: ConvAttrs,
): string {
  const r = xDims.length - 2;
  const [N] = xDims as [number];
  const [, M] = dyDims as [number, number];
  const [, Cg] = wDims as [number, number];
  const inner = xDims.slice(2);
  const axes = inner.map((_, i) => i + 3);
  const G = a.group;
  const xg = reshapeEmit(ctx, x, xDims, [N, G, Cg, ...inner]);
  const xt = transposeEmit(ctx, xg, [N, G, Cg, ...inner], [2, 1, 0, ...axes]);
  const xBatch = reshapeEmit(ctx, xt, [Cg, G, N, ...inner], [Cg, G * N, ...inner]);
  const kernel = transposeEmit(ctx, dy, dyDims, [1, 0, ...axes.map((i) => i - 1)]);
  const full = ctx.op('Conv', [xBatch, kernel], {
    strides: [...a.dilations], dilations: [...a.strides], pads: [...a.pads], group: G,
  });
  const fullDims = [Cg, M, ...inner.map((size, i) => Math.floor((size + a.pads[i]! + a.pads[r + i]! - (dyDims[2 + i]! - 1) * a.strides[i]! - 1) / a.dilations[i]!) + 1)];
  ctx.setDims(full, fullDims);
  const kDims = [Cg, M, ...wDims.slice(2)];
  const cropped = sliceLeadingEmit(ctx, full, fullDims, kDims);
  return transposeEmit(ctx, cropped, kDims, [1, 0, ...axes.map((i) => i - 1)]);
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
  let dx: string | undefined;
  let dw: string | undefined;
  if (needs[0]) {
    const wK = reshapeEmit(ctx, o.w, o.wDims, wKDims);
    dx = reshapeEmit(ctx, convInputGradEmit(ctx, dyK, wK, wKDims, xKDims, geo.attrs), xKDims, o.xDims);
  }
  if (needs[1]) {
    const xK = reshapeEmit(ctx, o.x, o.xDims, xKDims);
    dw = reshapeEmit(ctx, convWeightGradEmit(ctx, xK, xKDims, dyK, dyKDims, wKDims, geo.attrs), wKDims, o.wDims);
  }
  return [dx, dw, needs[2] ? reduceBiasGradEmit(ctx, o.dy, o.dyDims) : undefined];
}
