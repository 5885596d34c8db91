/**
 * The ONNX-node forms of src/tensor/normalize.ts (normalizeOver,
 * normalizeInputGrad, affineNormVjp), mirrored line by line, for the
 * LayerNormalization, InstanceNormalization and GroupNormalization emitters.
 * Only basic ops are emitted (ReduceMean, ReduceSum, Sub, Mul, Add, Sqrt,
 * Reciprocal, Reshape), so the gradient of a normalisation runs at any opset
 * its forward op exists in: ReduceMean takes its axes as an attribute before
 * opset 18 and as an input from 18.
 */
import type { AffineNormLayout } from '../tensor/normalize.js';
import type { EmitContext } from './emit.js';
import { reduceToShapeEmit, reshapeEmit } from './emit-helpers.js';

function record(ctx: EmitContext, name: string, dims: readonly number[]): string {
  ctx.setDims(name, dims);
  return name;
}

/** The mean of x [dims] over the non-empty `axes`, kept as size-1 axes (ReduceMean in the opset's form). */
export function reduceMeanEmit(ctx: EmitContext, x: string, dims: readonly number[], axes: readonly number[]): string {
  const y = ctx.opset >= 18
    ? ctx.op('ReduceMean', [x, ctx.ints(axes)], { keepdims: 1 })
    : ctx.op('ReduceMean', [x], { axes: [...axes], keepdims: 1 });
  return record(ctx, y, dims.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** The names normalizeOverEmit gives: 1/σ (axes kept as size 1) and x̂ (x's dims). */
export interface NormalizedNames {
  invStd: string;
  xHat: string;
}

/** normalizeOver as ONNX nodes: x̂ = (x − mean(x)) · 1/sqrt(mean((x − μ)²) + ε). */
export function normalizeOverEmit(ctx: EmitContext, x: string, dims: readonly number[], axes: readonly number[], epsilon: number): NormalizedNames {
  const statDims = dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const centred = record(ctx, ctx.op('Sub', [x, reduceMeanEmit(ctx, x, dims, axes)]), dims);
  const variance = reduceMeanEmit(ctx, record(ctx, ctx.op('Mul', [centred, centred]), dims), dims, axes);
  const std = ctx.op('Sqrt', [ctx.op('Add', [variance, ctx.floats([epsilon], [])])]);
  const invStd = record(ctx, ctx.op('Reciprocal', [std]), statDims);
  return { invStd, xHat: record(ctx, ctx.op('Mul', [centred, invStd]), dims) };
}

/** normalizeInputGrad as ONNX nodes: (1/σ) · (g − mean(g) − x̂ · mean(g · x̂)). */
export function normalizeInputGradEmit(
  ctx: EmitContext, g: string, n: NormalizedNames, dims: readonly number[], axes: readonly number[],
): string {
  const meanG = reduceMeanEmit(ctx, g, dims, axes);
  const meanGX = reduceMeanEmit(ctx, record(ctx, ctx.op('Mul', [g, n.xHat]), dims), dims, axes);
  const centred = ctx.op('Sub', [g, meanG]);
  const projected = ctx.op('Sub', [centred, ctx.op('Mul', [n.xHat, meanGX])]);
  return record(ctx, ctx.op('Mul', [projected, n.invStd]), dims);
}

/**
 * affineNormVjp as ONNX nodes: [∂x, ∂scale, ∂B] in their own dims for the
 * inputs `needs` asks for; x, δ and scale are names of values with the
 * layout's xDims, xDims and scaleDims.
 */
export function affineNormGradEmit(
  ctx: EmitContext, x: string, dy: string, scale: string, layout: AffineNormLayout, epsilon: number, needs: readonly boolean[],
): (string | undefined)[] {
  const xv = reshapeEmit(ctx, x, layout.xDims, layout.view);
  const dyv = reshapeEmit(ctx, dy, layout.xDims, layout.view);
  const n = normalizeOverEmit(ctx, xv, layout.view, layout.axes, epsilon);
  const out: (string | undefined)[] = [];
  if (needs[0]) {
    const g = record(ctx, ctx.op('Mul', [dyv, reshapeEmit(ctx, scale, layout.scaleDims, layout.scaleView)]), layout.view);
    out[0] = reshapeEmit(ctx, normalizeInputGradEmit(ctx, g, n, layout.view, layout.axes), layout.view, layout.xDims);
  }
  if (needs[1]) {
    const dyXHat = record(ctx, ctx.op('Mul', [dyv, n.xHat]), layout.view);
    out[1] = reduceToShapeEmit(ctx, dyXHat, layout.view, layout.scaleView, layout.scaleDims);
  }
  if (needs[2] && layout.biasView && layout.biasDims) out[2] = reduceToShapeEmit(ctx, dyv, layout.view, layout.biasView, layout.biasDims);
  return out;
}
