/**
 * The Resize/Upsample gradient as ONNX nodes: ∂x = (⊗_a A_aᵀ)·δ, one resized
 * axis at a time (the axes that shrink δ most first).
 *
 * Each A_a is either known when the graph is built (plan.maps, from
 * src/tensor/resize.ts: applied by axisMapAdjointEmit as constants), or
 * depends on values the graph reads at run time — a scales input, a roi. Then
 * it is probed: the node's own op, with its mode and coordinate attributes,
 * resizes an identity matrix [in, in] along one of its two axes with the
 * node's scale for axis a (sizes [out, in] when sizes are given) and the
 * node's roi for axis a, and 1 / the whole range on the other axis. Resizing
 * I along axis 0 gives A_a [out, in]; along axis 1 it gives A_aᵀ [in, out].
 * Every input of the probe is a constant of the model, so ONNX Runtime folds
 * it once. The probe keeps extrapolation_value at 0, so rows of outputs that
 * tf_crop_and_resize fills with it are zero. An axis whose length the node
 * keeps is probed too where the shape pass's values show that its map is not
 * the identity (plan.probe.kept; a scale like 1.05 on 8 positions while
 * another axis changes): ONNX Runtime would copy a probe whose dims it keeps,
 * so that one runs on a 4-D identity with an axis that grows (keptAxisProbe).
 */
import type { AttrValue } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { adjointOrder, type AxisMap } from '../tensor/axis-map.js';
import type { ResizeAttrs } from '../tensor/resize.js';
import type { EmitContext } from './emit.js';
import { axisMapAdjointEmit, denseAxisAdjointEmit, layoutFor, type MatrixLayout } from './emit-axis-map.js';

/** Where the probe reads the node's run-time values. */
export interface ResizeProbeSpec {
  /** the node's scales input (one per listed axis) */
  scales?: string;
  /** the node's roi input ([starts…, ends…] over the listed axes) */
  roi?: string;
  /** position of axis a among the listed axes */
  slot: (axis: number) => number;
  /** how many axes the scales and roi list */
  count: number;
  /** axes whose length the node keeps but not their values (a scale like 1.05 on 8 positions, a cropping roi): probed as well */
  kept?: readonly number[];
}

export interface ResizeEmitPlan {
  attrs: ResizeAttrs;
  opType: 'Resize' | 'Upsample';
  xDims: readonly number[];
  yDims: readonly number[];
  /** per-axis maps known when the graph is built (undefined = identity) */
  maps?: (AxisMap | undefined)[];
  /** otherwise, how to probe the node's op */
  probe?: ResizeProbeSpec;
}

/** The probe's attributes: the node's interpolation attributes in the op form of the model's opset. */
function probeAttrs(p: ResizeEmitPlan, opset: number): Record<string, AttrValue> {
  const a = p.attrs;
  const attrs: Record<string, AttrValue> = { mode: a.mode };
  if (p.opType === 'Upsample' || opset < 11) return attrs;
  attrs.coordinate_transformation_mode = a.coordinate;
  if (a.mode === 'nearest') attrs.nearest_mode = a.nearest;
  if (a.mode === 'cubic') attrs.cubic_coeff_a = { float: a.cubicA };
  if (a.excludeOutside) attrs.exclude_outside = 1;
  if (a.antialias) attrs.antialias = 1;
  return attrs;
}

/** One value of a 1-D input as a float [1] (Gather, then Cast for a roi that is not float32). */
function pick(ctx: EmitContext, input: string, index: number, cast: boolean): string {
  const v = ctx.op('Gather', [input, ctx.ints([index])], { axis: 0 });
  ctx.setDims(v, [1]);
  if (!cast) return v;
  const c = ctx.op('Cast', [v], { to: DataType.FLOAT });
  ctx.setDims(c, [1]);
  return c;
}

function concat1d(ctx: EmitContext, parts: string[]): string {
  const v = ctx.op('Concat', parts, { axis: 0 });
  ctx.setDims(v, [parts.length]);
  return v;
}

/** The identity matrix [n, n] (EyeLike of zeros). */
function identityEmit(ctx: EmitContext, n: number): string {
  const zeros = ctx.op('Expand', [ctx.floats([0], []), ctx.ints([n, n])]);
  ctx.setDims(zeros, [n, n]);
  const eye = ctx.op('EyeLike', [zeros]);
  ctx.setDims(eye, [n, n]);
  return eye;
}

/** The node's op (its interpolation attributes) on x with these scales, roi and sizes, in the input form of the model's opset. */
function probeOpEmit(
  ctx: EmitContext, p: ResizeEmitPlan, x: string, scales: string | undefined, roi: string | undefined, sizes: string | undefined, dims: readonly number[],
): string {
  let inputs: string[];
  if (p.opType === 'Upsample' || ctx.opset < 11) {
    inputs = [x, scales!];
  } else {
    const empty = ctx.opset < 13 ? ctx.floats([], [0]) : '';
    inputs = [x, roi ?? empty, scales ?? empty];
    if (sizes) inputs.push(sizes);
  }
  const y = ctx.op(p.opType, inputs, probeAttrs(p, ctx.opset));
  ctx.setDims(y, dims);
  return y;
}

/**
 * A_a (layout 'out-in') or A_aᵀ ('in-out') for axis `axis`, from the node's op
 * applied to an identity matrix.
 */
function probeMatrix(ctx: EmitContext, p: ResizeEmitPlan, axis: number, layout: MatrixLayout): string {
  const spec = p.probe!;
  const inSize = p.xDims[axis]!;
  const outSize = p.yDims[axis]!;
  const first = layout === 'out-in';
  const eye = identityEmit(ctx, inSize);
  const slot = spec.slot(axis);
  const one = ctx.floats([1]);
  const scales = spec.scales
    ? concat1d(ctx, first ? [pick(ctx, spec.scales, slot, false), one] : [one, pick(ctx, spec.scales, slot, false)])
    : undefined;
  const sizes = spec.scales ? undefined : ctx.ints(first ? [outSize, inSize] : [inSize, outSize]);
  let roi: string | undefined;
  if (spec.roi) {
    const start = pick(ctx, spec.roi, slot, true);
    const end = pick(ctx, spec.roi, slot + spec.count, true);
    const zero = ctx.floats([0]);
    roi = concat1d(ctx, first ? [start, zero, end, one] : [zero, start, one, end]);
  }
  return probeOpEmit(ctx, p, eye, scales, roi, sizes, first ? [outSize, inSize] : [inSize, outSize]);
}

/**
 * probeMatrix for an axis whose length the node keeps: ONNX Runtime copies
 * an input whose dims a Resize keeps, so the identity goes in as
 * [1, in, in, 1] and its last axis is doubled (a copy for every mode: one
 * position to read from); the probed axis is the third, resized by the
 * node's scale (or to its own length when sizes are given) and roi. That
 * gives A_aᵀ [in, out] from the [1, in, out, 2] result's first half.
 */
function keptAxisProbe(ctx: EmitContext, p: ResizeEmitPlan, axis: number, layout: MatrixLayout): string {
  const spec = p.probe!;
  const n = p.xDims[axis]!;
  const x4 = ctx.op('Reshape', [identityEmit(ctx, n), ctx.ints([1, n, n, 1])]);
  ctx.setDims(x4, [1, n, n, 1]);
  const slot = spec.slot(axis);
  const [one, two, zero] = [ctx.floats([1]), ctx.floats([2]), ctx.floats([0])];
  const scales = spec.scales ? concat1d(ctx, [one, one, pick(ctx, spec.scales, slot, false), two]) : undefined;
  const sizes = spec.scales ? undefined : ctx.ints([1, n, n, 2]);
  let roi: string | undefined;
  if (spec.roi) {
    roi = concat1d(ctx, [zero, zero, pick(ctx, spec.roi, slot, true), zero, one, one, pick(ctx, spec.roi, slot + spec.count, true), one]);
  }
  const y4 = probeOpEmit(ctx, p, x4, scales, roi, sizes, [1, n, n, 2]);
  const half = ctx.opset >= 10
    ? ctx.op('Slice', [y4, ctx.ints([0]), ctx.ints([1]), ctx.ints([3])])
    : ctx.op('Slice', [y4], { starts: [0], ends: [1], axes: [3] });
  ctx.setDims(half, [1, n, n, 1]);
  const inOut = ctx.op('Reshape', [half, ctx.ints([n, n])]);
  ctx.setDims(inOut, [n, n]);
  if (layout === 'in-out') return inOut;
  const outIn = ctx.op('Transpose', [inOut], { perm: [1, 0] });
  ctx.setDims(outIn, [n, n]);
  return outIn;
}

/** ∂L/∂x of a Resize/Upsample node from δ = ∂L/∂y. */
export function resizeEmit(ctx: EmitContext, p: ResizeEmitPlan): string {
  let g = ctx.gradOutputs[0]!;
  let dims = [...p.yDims];
  if (p.xDims.every((d, a) => d === p.yDims[a])) return g;
  if (p.maps) {
    for (const a of adjointOrder(p.maps)) [g, dims] = axisMapAdjointEmit(ctx, g, dims, a, p.maps[a]!);
    return g;
  }
  const kept = new Set(p.probe?.kept ?? []);
  const probed = p.xDims.map((d, a) => (d !== p.yDims[a] || kept.has(a) ? { inSize: d, outSize: p.yDims[a]! } : undefined));
  for (const a of adjointOrder(probed)) {
    const layout = layoutFor(a, dims.length);
    const matrix = kept.has(a) ? keptAxisProbe(ctx, p, a, layout) : probeMatrix(ctx, p, a, layout);
    [g, dims] = denseAxisAdjointEmit(ctx, g, dims, a, p.xDims[a]!, matrix);
  }
  return g;
}
