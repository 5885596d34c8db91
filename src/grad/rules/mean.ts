/**
 * Mean: y = (X₀ + X₁ + … + X_{k−1}) / k, variadic, with multidirectional
 * (numpy) broadcasting from opset 8 (equal shapes before).
 * Differentiable: every input. Saves: every input, for its shape only.
 *
 *   ∂X_i = reduceToShape(δ / k, X_i.dims).
 *
 * Emitted: Mul by 1/k, then ReduceSum (keepdims) over each input's broadcast
 * axes and Reshape.
 */
import { everyInput, floatIn, type GradRule } from '../rule.js';
import { reduceToShapeEmit, scaleEmit } from '../../compile/emit-helpers.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import { scale } from '../../tensor/tensor.js';

export const mean: GradRule = {
  differentiable: (node) => node.inputs.map((_, i) => i),
  saves: everyInput,
  vjp(ctx) {
    const share = scale(ctx.gradOutputs[0]!, 1 / ctx.node.inputs.length);
    return ctx.node.inputs.map((_, k) => (ctx.needs[k] ? reduceToShape(share, floatIn(ctx, k).dims) : undefined));
  },
  emit(ctx) {
    const yDims = ctx.dims(ctx.outputs[0]!);
    const share = scaleEmit(ctx, ctx.gradOutputs[0]!, 1 / ctx.inputs.length, yDims);
    return ctx.inputs.map((v, k) => (ctx.needs[k] ? reduceToShapeEmit(ctx, share, yDims, ctx.dims(v)) : undefined));
  },
};
