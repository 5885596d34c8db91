/**
 * Tanh: y = tanh(x);  ∂L/∂x = δ ∘ (1 − y²), read from the saved output (the
 * `∘ f'(u)` factor of paper-rules.md for f = tanh).
 *
 * Differentiable: x. Saved: y. Emitted: δ · (1 − y · y).
 */
import { floatOut, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';

export const tanh: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    const y = floatOut(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, y, (g, v) => g * (1 - v * v))];
  },
  emit(ctx) {
    const y = ctx.outputs[0]!;
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Sub', [ctx.floats([1], []), ctx.op('Mul', [y, y])])])];
  },
};
