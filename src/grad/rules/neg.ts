/**
 * Neg: y = −x;  ∂L/∂x = −δ.
 *
 * Differentiable: x. Saved: nothing. Emitted: Neg(δ).
 */
import type { GradRule } from '../rule.js';
import { scale } from '../../tensor/tensor.js';

export const neg: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [] },
  vjp(ctx) {
    return [scale(ctx.gradOutputs[0]!, -1)];
  },
  emit(ctx) {
    return [ctx.op('Neg', [ctx.gradOutputs[0]!])];
  },
};
