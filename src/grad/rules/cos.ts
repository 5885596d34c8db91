/**
 * Cos: y = cos x;  ∂L/∂x = −δ ∘ sin x.
 *
 * Differentiable: x. Saved: x. Emitted: Neg(δ · Sin(x)).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain } from './unary-common.js';

export const cos: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), (x) => -Math.sin(x))];
  },
  emit(ctx) {
    return [ctx.op('Neg', [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Sin', [ctx.inputs[0]!])])])];
  },
};
