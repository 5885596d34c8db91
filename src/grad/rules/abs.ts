/**
 * Abs: y = |x|;  ∂L/∂x = δ ∘ sign(x) (the subgradient 0 is taken at x = 0).
 *
 * Differentiable: x. Saved: x (|x| has lost its sign).
 * Emitted: δ · Sign(x) (from opset 9; before that Sign is
 * Cast(x > 0) − Cast(x < 0)).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain, signEmit } from './unary-common.js';

export const abs: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), (x) => Math.sign(x))];
  },
  emit(ctx) {
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, signEmit(ctx, ctx.inputs[0]!)])];
  },
};
