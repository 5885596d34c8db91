/**
 * LeakyRelu: y = x for x ≥ 0, α·x otherwise (attribute alpha, default 0.01);
 * ∂L/∂x = δ where x > 0, α·δ elsewhere.
 *
 * Differentiable: x. Saved: x — the output's sign gives the branch only for
 * α ≥ 0, and ONNX allows any α. Emitted (Where from opset 9, a 0/1 mask product before): Where(x > 0, δ, α·δ).
 */
import { floatIn, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { selectEmit } from './unary-common.js';

export const leakyRelu: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 0.01);
    const x = floatIn(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, x, (g, v) => (v > 0 ? g : alpha * g))];
  },
  emit(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 0.01);
    const dy = ctx.gradOutputs[0]!;
    const positive = ctx.op('Greater', [ctx.inputs[0]!, ctx.floats([0], [])]);
    return [selectEmit(ctx, positive, dy, ctx.op('Mul', [dy, ctx.floats([alpha], [])]))];
  },
};
