/**
 * Exp: y = eˣ;  ∂L/∂x = δ ∘ y.
 *
 * Differentiable: x. Saved: y (the derivative is the output itself).
 * Emitted: δ · y.
 */
import { floatOut, type GradRule } from '../rule.js';
import { chain } from './unary-common.js';

export const exp: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatOut(ctx, 0), (y) => y)];
  },
  emit(ctx) {
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.outputs[0]!])];
  },
};
