/**
 * ReduceSum: y = Σ x over the reduced axes (src/grad/rules/reduce-common.ts:
 * axes attribute before opset 13, input 1 from 13, keepdims,
 * noop_with_empty_axes). Differentiable: data (0); axes is not. Saves: data
 * (its dims only) and axes.
 *
 *   ∂L/∂x = unreduce(δ): δ in kept-dims form broadcast back over the reduced axes.
 *
 * Emitted: Reshape to the kept dims (Unsqueeze with the axes input when
 * keepdims = 0 and the axes are an input), then Expand (Tile before opset 8).
 */
import { unreduce } from '../../tensor/reduce.js';
import type { GradRule } from '../rule.js';
import { unreduceEmit } from '../../compile/emit-reduce.js';
import { emitReduction, reduceAxesOf } from './reduce-common.js';
import { savedDims } from './reshape.js';

export const reduceSum: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const xDims = savedDims(ctx, 0);
    return [unreduce(ctx.gradOutputs[0]!, xDims, reduceAxesOf(ctx, xDims.length))];
  },
  emit(ctx) {
    const xDims = ctx.dims(ctx.inputs[0]!);
    return [unreduceEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), xDims, emitReduction(ctx))];
  },
};
