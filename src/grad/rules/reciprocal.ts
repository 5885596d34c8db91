/**
 * Reciprocal: y = 1/x;  ∂L/∂x = −δ / x² = −δ ∘ y².
 *
 * Differentiable: x. Saved: y. Emitted: Neg(δ · (y · y)).
 */
import { floatOut, type GradRule } from '../rule.js';
import { chain } from './unary-common.js';

export const reciprocal: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatOut(ctx, 0), (y) => -(y * y))];
  },
  emit(ctx) {
    const y = ctx.outputs[0]!;
    return [ctx.op('Neg', [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Mul', [y, y])])])];
  },
};
