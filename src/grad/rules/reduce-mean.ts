/**
 * ReduceMean: y = (Σ x over the reduced axes) / n, n the number of elements
 * each output averages (size(x) / size(y)). Axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts (axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data (its dims
 * only) and axes.
 *
 *   ∂L/∂x = unreduce(δ / n): δ/n broadcast back over the reduced axes.
 *
 * Emitted: Mul by 1/n, Reshape (or Unsqueeze with the axes input) to the kept
 * dims, Expand (Tile before opset 8).
 */
import { unreduce } from '../../tensor/reduce.js';
import { scale, sizeOf } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { scaleEmit } from '../../compile/emit-helpers.js';
import { unreduceEmit } from '../../compile/emit-reduce.js';
import { emitReduction, reduceAxesOf } from './reduce-common.js';
import { savedDims } from './reshape.js';

/** 1/n: the share of each input element in its mean (1 for an empty input). */
function meanShare(xDims: readonly number[], yDims: readonly number[]): number {
  const n = sizeOf(xDims);
  return n === 0 ? 1 : sizeOf(yDims) / n;
}

export const reduceMean: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const xDims = savedDims(ctx, 0);
    const dy = ctx.gradOutputs[0]!;
    return [unreduce(scale(dy, meanShare(xDims, dy.dims)), xDims, reduceAxesOf(ctx, xDims.length))];
  },
  emit(ctx) {
    const xDims = ctx.dims(ctx.inputs[0]!);
    const yDims = ctx.dims(ctx.outputs[0]!);
    const share = scaleEmit(ctx, ctx.gradOutputs[0]!, meanShare(xDims, yDims), yDims);
    return [unreduceEmit(ctx, share, yDims, xDims, emitReduction(ctx))];
  },
};
