/**
 * Building blocks for emitters: the ONNX-node forms of the tensor primitives
 * the gradient rules are written with (reshape, transpose, reduceSum,
 * reduceToShape, up, down, conv2dInputGrad, conv2dWeightGrad,
 * reduceBiasGrad). The helpers take the static dims of their operands, record
 * the dims of what they create (ctx.setDims) so later emitters can read them,
 * and pass a value through untouched where the operation is the identity.
 * Forms follow the model's opset: ReduceSum takes its axes as an input from
 * opset 13, Pad its pads from opset 11.
 */
import type { ConvGeometry } from '../grad/rules/conv.js';
import type { RuleContext } from '../grad/rule.js';
import type { Conv2dAttrs } from '../tensor/conv.js';
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
 * opset 11: Reshape [N,C,h,1,w,1] → Expand [N,C,h,n,w,n] → Reshape
 * [N,C,h·n,w·n]), then Pad on the bottom and right.
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
    const expanded = ctx.op('Expand', [blocks, ctx.ints([N, C, h, n, w, n])]);
    ctx.setDims(expanded, [N, C, h, n, w, n]);
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

function convAttrs(a: Conv2dAttrs): Record<string, number[] | number> {
  return { strides: [...a.strides], pads: [...a.pads], dilations: [...a.dilations], group: a.group };
}

/**
 * conv2dInputGrad as one ConvTranspose(δ, W) with the forward strides, pads,
 * dilations and group, and per axis an output_padding
 *   r = (H + p_begin + p_end − (k − 1)·d − 1) mod s  (0 ≤ r < s),
 * the rows the forward's floor division dropped, so that the result has X's
 * dims exactly. dy [N,M,oH,oW], w [M,C/group,kH,kW], xDims [N,C,H,W].
 */
export function conv2dInputGradEmit(
  ctx: EmitContext, dy: string, w: string, wDims: readonly number[], xDims: readonly number[], a: Conv2dAttrs,
): string {
  const [, , H, W] = xDims as [number, number, number, number];
  const [, , kH, kW] = wDims as [number, number, number, number];
  const [pt, pl, pb, pr] = a.pads;
  const rest = (size: number, k: number, s: number, d: number, p: number) => (size + p - (k - 1) * d - 1) % s;
  const outputPadding = [rest(H, kH, a.strides[0], a.dilations[0], pt + pb), rest(W, kW, a.strides[1], a.dilations[1], pl + pr)];
  const attrs: Record<string, number[] | number> = convAttrs(a);
  if (outputPadding.some((r) => r !== 0)) attrs.output_padding = outputPadding;
  const dx = ctx.op('ConvTranspose', [dy, w], attrs);
  ctx.setDims(dx, xDims);
  return dx;
}

/**
 * conv2dWeightGrad: dW[m,c,p,q] = Σ_{n,i,j} δ[n,m,i,j] · x[n, g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1]
 * as one Conv whose batch is the input channel and whose kernel is δ:
 *   x [N,G·Cg,H,W] → [Cg, G·N, H, W] (channel g·N + n),  δ [N,M,oH,oW] → [M, N, oH, oW],
 *   Conv(group G, strides = forward dilations, dilations = forward strides, pads as forward)
 *     → [Cg, M, ≥kH, ≥kW],
 * sliced to [kH, kW] (the extra rows come from padding past the last window)
 * and transposed to [M, Cg, kH, kW].
 */
export function conv2dWeightGradEmit(
  ctx: EmitContext, x: string, xDims: readonly number[], dy: string, dyDims: readonly number[],
  wDims: readonly number[], a: Conv2dAttrs,
): string {
  const [N, , H, W] = xDims as [number, number, number, number];
  const [, M, oH, oW] = dyDims as [number, number, number, number];
  const [, Cg, kH, kW] = wDims as [number, number, number, number];
  const G = a.group;
  const xg = reshapeEmit(ctx, x, xDims, [N, G, Cg, H, W]);
  const xt = transposeEmit(ctx, xg, [N, G, Cg, H, W], [2, 1, 0, 3, 4]);
  const xBatch = reshapeEmit(ctx, xt, [Cg, G, N, H, W], [Cg, G * N, H, W]);
  const kernel = transposeEmit(ctx, dy, dyDims, [1, 0, 2, 3]);
  const full = ctx.op('Conv', [xBatch, kernel], {
    strides: [...a.dilations], dilations: [...a.strides], pads: [...a.pads], group: G,
  });
  const fullH = Math.floor((H + a.pads[0] + a.pads[2] - (oH - 1) * a.strides[0] - 1) / a.dilations[0]) + 1;
  const fullW = Math.floor((W + a.pads[1] + a.pads[3] - (oW - 1) * a.strides[1] - 1) / a.dilations[1]) + 1;
  ctx.setDims(full, [Cg, M, fullH, fullW]);
  let cropped = full;
  if (fullH !== kH || fullW !== kW) {
    cropped = ctx.op('Slice', [full, ctx.ints([0, 0]), ctx.ints([kH, kW]), ctx.ints([2, 3])]);
    ctx.setDims(cropped, [Cg, M, kH, kW]);
  }
  return transposeEmit(ctx, cropped, [Cg, M, kH, kW], [1, 0, 2, 3]);
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
 * their own ranks. A 1-D convolution runs as the 2-D one with H = 1 (Reshape
 * in and out), matching the geometry convGeometry gives.
 */
export function convGradEmit(ctx: EmitContext, o: ConvOperands, geo: ConvGeometry, needs: readonly boolean[]): (string | undefined)[] {
  const as4 = (d: readonly number[]) => (geo.spatial === 2 ? d : [d[0]!, d[1]!, 1, d[2]!]);
  const dy4Dims = as4(o.dyDims);
  const x4Dims = as4(o.xDims);
  const w4Dims = as4(o.wDims);
  const dy4 = needs[0] || needs[1] ? reshapeEmit(ctx, o.dy, o.dyDims, dy4Dims) : o.dy;
  let dx: string | undefined;
  let dw: string | undefined;
  if (needs[0]) {
    const w4 = reshapeEmit(ctx, o.w, o.wDims, w4Dims);
    dx = reshapeEmit(ctx, conv2dInputGradEmit(ctx, dy4, w4, w4Dims, x4Dims, geo.attrs), x4Dims, o.xDims);
  }
  if (needs[1]) {
    const x4 = reshapeEmit(ctx, o.x, o.xDims, x4Dims);
    dw = reshapeEmit(ctx, conv2dWeightGradEmit(ctx, x4, x4Dims, dy4, dy4Dims, w4Dims, geo.attrs), w4Dims, o.wDims);
  }
  return [dx, dw, needs[2] ? reduceBiasGradEmit(ctx, o.dy, o.dyDims) : undefined];
}
