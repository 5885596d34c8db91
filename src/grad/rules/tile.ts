/**
 * Tile (opset 6+): y = x repeated r_a times along each axis a (`repeats`, an
 * int64 input), y[i] = x[i mod x.dims]. Differentiable: input (0); repeats
 * are not. Saves: input (its dims only; r_a = y.dims[a] / x.dims[a]).
 *
 *   ∂L/∂x = Σ over the repeats of δ: δ reshaped to [r0, d0, r1, d1, ...]
 *           and summed over the repeat axes 0, 2, 4, ...
 *
 * Emitted: Reshape and ReduceSum over the repeat axes.
 */
import { reduceSum } from '../../tensor/broadcast.js';
import { reshape, type Tensor } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { reduceSumEmit, reshapeEmit } from '../../compile/emit-helpers.js';
import { savedDims } from './reshape.js';

/** δ's dims split into [r0, d0, r1, d1, ...] and the repeat axes to sum. */
export function tileBlocks(xDims: readonly number[], yDims: readonly number[]): { blocks: number[]; axes: number[] } {
  const blocks = xDims.flatMap((d, a) => [d === 0 ? 0 : yDims[a]! / d, d]);
  const axes = xDims.map((_, a) => 2 * a).filter((a) => blocks[a] !== 1);
  return { blocks, axes };
}

export const tile: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const dy = ctx.gradOutputs[0]!;
    const xDims = savedDims(ctx, 0);
    const { blocks, axes } = tileBlocks(xDims, dy.dims);
    const summed: Tensor = axes.length > 0 ? reduceSum(reshape(dy, blocks), axes, true) : dy;
    return [reshape(summed, xDims)];
  },
  emit(ctx) {
    const xDims = ctx.dims(ctx.inputs[0]!);
    const yDims = ctx.dims(ctx.outputs[0]!);
    const { blocks, axes } = tileBlocks(xDims, yDims);
    if (axes.length === 0) return [reshapeEmit(ctx, ctx.gradOutputs[0]!, yDims, xDims)];
    const split = reshapeEmit(ctx, ctx.gradOutputs[0]!, yDims, blocks);
    const summed = reduceSumEmit(ctx, split, blocks, axes, true);
    return [reshapeEmit(ctx, summed, blocks.map((d, a) => (axes.includes(a) ? 1 : d)), xDims)];
  },
};
