/**
 * Log: y = ln x;  ∂L/∂x = δ / x.
 *
 * Differentiable: x. Saved: x. Emitted: δ / x.
 */
import { floatIn, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';

export const log: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [zipWith(ctx.gradOutputs[0]!, floatIn(ctx, 0), (g, x) => g / x)];
  },
  emit(ctx) {
    return [ctx.op('Div', [ctx.gradOutputs[0]!, ctx.inputs[0]!])];
  },
};
