/**
 * The adjoint of a per-axis linear map (src/tensor/axis-map.ts) as ONNX
 * nodes: ∂x = Aᵀ·g along one axis of g. A map known when the graph is built
 * becomes constants in the cheapest form that is exact:
 *   - a nearest upsampling by an integer factor k: Reshape [pre, in, k, post]
 *     and a ReduceSum over the k copies;
 *   - a map each input of which is read by few outputs: one Gather of g per
 *     "layer" of readers (src/tensor/axis-map.ts inverseTaps), times that
 *     layer's weights, summed;
 *   - otherwise a MatMul by the constant Aᵀ.
 * A matrix computed in the graph (denseAxisAdjointEmit) is applied by MatMul
 * with g reshaped so that the axis is the middle one of [pre, out, post].
 */
import { blockFactor, denseMatrix, inverseTaps, type AxisMap } from '../tensor/axis-map.js';
import { sizeOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { reduceSumEmit, reshapeEmit } from './emit-helpers.js';
import { zerosEmit } from './emit-shape-helpers.js';

/** Readers per input up to which the Gather form is used instead of a MatMul. */
const MAX_GATHER_LAYERS = 8;

/** How a matrix is laid out: A [out, in] or its transpose Aᵀ [in, out]. */
export type MatrixLayout = 'out-in' | 'in-out';

/** The layout denseAxisAdjointEmit wants for `axis` of a tensor of rank `rank`: A for the last axis, Aᵀ otherwise. */
export function layoutFor(axis: number, rank: number): MatrixLayout {
  return axis === rank - 1 ? 'out-in' : 'in-out';
}

function withAxis(dims: readonly number[], axis: number, size: number): number[] {
  return dims.map((d, a) => (a === axis ? size : d));
}

/**
 * Aᵀ·g along `axis` for a matrix value computed in the graph, [out, in] when
 * the axis is the last one and [in, out] otherwise (layoutFor). Returns the
 * result and its dims.
 */
export function denseAxisAdjointEmit(
  ctx: EmitContext, g: string, dims: readonly number[], axis: number, inSize: number, matrix: string,
): [string, number[]] {
  const outSize = dims[axis]!;
  const pre = sizeOf(dims.slice(0, axis));
  const post = sizeOf(dims.slice(axis + 1));
  const result = withAxis(dims, axis, inSize);
  if (layoutFor(axis, dims.length) === 'out-in') {
    const rows = reshapeEmit(ctx, g, dims, [pre, outSize]);
    const y = ctx.op('MatMul', [rows, matrix]);
    ctx.setDims(y, [pre, inSize]);
    return [reshapeEmit(ctx, y, [pre, inSize], result), result];
  }
  const mid = pre === 1 ? [outSize, post] : [pre, outSize, post];
  const g3 = reshapeEmit(ctx, g, dims, mid);
  const y = ctx.op('MatMul', [matrix, g3]);
  const yDims = pre === 1 ? [inSize, post] : [pre, inSize, post];
  ctx.setDims(y, yDims);
  return [reshapeEmit(ctx, y, yDims, result), result];
}

/** A constant map's matrix in the layout `axis` needs, as a float initializer. */
function matrixConstant(ctx: EmitContext, m: AxisMap, layout: MatrixLayout): string {
  const a = denseMatrix(m);
  if (layout === 'out-in') return ctx.floats(Array.from(a), [m.outSize, m.inSize]);
  const t = new Array<number>(a.length);
  for (let o = 0; o < m.outSize; o++) for (let i = 0; i < m.inSize; i++) t[i * m.outSize + o] = a[o * m.inSize + i]!;
  return ctx.floats(t, [m.inSize, m.outSize]);
}

/** Aᵀ·g along `axis` for a map known when the graph is built (block sum, Gathers or MatMul). */
export function axisMapAdjointEmit(ctx: EmitContext, g: string, dims: readonly number[], axis: number, m: AxisMap): [string, number[]] {
  const result = withAxis(dims, axis, m.inSize);
  const pre = sizeOf(dims.slice(0, axis));
  const post = sizeOf(dims.slice(axis + 1));
  const k = blockFactor(m);
  if (k > 1) {
    const blocks = reshapeEmit(ctx, g, dims, [pre, m.inSize, k, post]);
    const summed = reduceSumEmit(ctx, blocks, [pre, m.inSize, k, post], [2], false);
    return [reshapeEmit(ctx, summed, [pre, m.inSize, post], result), result];
  }
  const inv = inverseTaps(m);
  if (inv.layers === 0) return [zerosEmit(ctx, result), result];
  if (inv.layers > MAX_GATHER_LAYERS) return denseAxisAdjointEmit(ctx, g, dims, axis, m.inSize, matrixConstant(ctx, m, layoutFor(axis, dims.length)));
  const broadcast = [m.inSize, ...dims.slice(axis + 1).map(() => 1)];
  const terms: string[] = [];
  for (let l = 0; l < inv.layers; l++) {
    const source = Array.from(inv.source.subarray(l * m.inSize, (l + 1) * m.inSize));
    const weight = Array.from(inv.weight.subarray(l * m.inSize, (l + 1) * m.inSize));
    let term = ctx.op('Gather', [g, ctx.ints(source)], { axis });
    ctx.setDims(term, result);
    if (weight.some((w) => w !== 1)) {
      term = ctx.op('Mul', [term, ctx.floats(weight, broadcast)]);
      ctx.setDims(term, result);
    }
    terms.push(term);
  }
  if (terms.length === 1) return [terms[0]!, result];
  const sum = ctx.op('Sum', terms);
  ctx.setDims(sum, result);
  return [sum, result];
}
