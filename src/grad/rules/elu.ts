/**
 * Elu: y = x for x > 0, α·(eˣ − 1) otherwise (attribute alpha, default 1);
 * ∂L/∂x = δ for x > 0, δ·(y + α) = δ·α·eˣ otherwise.
 *
 * Differentiable: x. Saved: x — y alone tells the branch only for α ≥ 0, and
 * y + α = α·eˣ lets the input stand in for the output.
 * Emitted (Where from opset 9, a 0/1 mask product before): Where(x > 0, δ, δ·α·Exp(x)).
 */
import { floatIn, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { selectEmit } from './unary-common.js';

export const elu: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 1);
    const x = floatIn(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, x, (g, v) => (v > 0 ? g : g * alpha * Math.exp(v)))];
  },
  emit(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 1);
    const x = ctx.inputs[0]!;
    const dy = ctx.gradOutputs[0]!;
    const positive = ctx.op('Greater', [x, ctx.floats([0], [])]);
    const negative = ctx.op('Mul', [dy, ctx.op('Mul', [ctx.floats([alpha], []), ctx.op('Exp', [x])])]);
    return [selectEmit(ctx, positive, dy, negative)];
  },
};
