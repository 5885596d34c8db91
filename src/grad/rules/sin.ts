/**
 * Sin: y = sin x;  ∂L/∂x = δ ∘ cos x.
 *
 * Differentiable: x. Saved: x. Emitted: δ · Cos(x).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain } from './unary-common.js';

export const sin: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), Math.cos)];
  },
  emit(ctx) {
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Cos', [ctx.inputs[0]!])])];
  },
};
