/**
 * Expand: y = x broadcast (numpy rules, both ways) with the int64 `shape`
 * input: y.dims = broadcastShape(x.dims, shape). Differentiable: input (0);
 * the shape is not. Saves: input (its dims only).
 *
 *   ∂L/∂x = reduceToShape(δ, x.dims)
 *
 * (δ summed over the axes x was broadcast along). Emitted: ReduceSum over
 * those axes and Reshape to x's dims (reduceToShapeEmit).
 */
import { reduceToShape } from '../../tensor/broadcast.js';
import type { GradRule } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { savedDims } from './reshape.js';

export const expand: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp: (ctx) => [reduceToShape(ctx.gradOutputs[0]!, savedDims(ctx, 0))],
  emit: (ctx) => [reduceToShapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), ctx.dims(ctx.inputs[0]!))],
};
