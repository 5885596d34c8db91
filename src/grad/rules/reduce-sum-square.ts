/**
 * ReduceSumSquare: y = Σ x² over the reduced axes (axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts; axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data and axes.
 *
 *   ∂L/∂x = 2x ∘ δ, δ in kept-dims form broadcast over the reduced axes.
 *
 * Emitted: Reshape (or Unsqueeze with the axes input) of δ to the kept dims,
 * then Mul(2x, δ) broadcasting.
 */
import { binaryOp } from '../../tensor/broadcast.js';
import { keptDims } from '../../tensor/reduce.js';
import { reshape } from '../../tensor/tensor.js';
import { floatIn, type GradRule } from '../rule.js';
import { scaleEmit } from '../../compile/emit-helpers.js';
import { keptEmit } from '../../compile/emit-reduce.js';
import { emitReduction, reduceAxesOf } from './reduce-common.js';

export const reduceSumSquare: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const dy = reshape(ctx.gradOutputs[0]!, keptDims(x.dims, reduceAxesOf(ctx, x.dims.length)));
    return [binaryOp(x, dy, (v, g) => 2 * v * g)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const xDims = ctx.dims(x);
    const dy = keptEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), xDims, emitReduction(ctx));
    const dx = ctx.op('Mul', [scaleEmit(ctx, x, 2, xDims), dy]);
    ctx.setDims(dx, xDims);
    return [dx];
  },
};
