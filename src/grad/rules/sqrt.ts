/**
 * Sqrt: y = √x;  ∂L/∂x = δ / (2y).
 *
 * Differentiable: x. Saved: y (the derivative 1/(2√x) is read from the output).
 * Emitted: δ / (y · 2).
 */
import { floatOut, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { scalar } from './unary-common.js';

export const sqrt: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    return [zipWith(ctx.gradOutputs[0]!, floatOut(ctx, 0), (g, y) => g / (2 * y))];
  },
  emit(ctx) {
    return [ctx.op('Div', [ctx.gradOutputs[0]!, ctx.op('Mul', [ctx.outputs[0]!, scalar(ctx, 2)])])];
  },
};
