/**
 * Softsign: y = x / (1 + |x|);  ∂L/∂x = δ / (1 + |x|)².
 *
 * Differentiable: x. Saved: x. Emitted: δ / (s · s) with s = 1 + Abs(x).
 */
import { floatIn, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { scalar } from './unary-common.js';

export const softsign: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [zipWith(ctx.gradOutputs[0]!, floatIn(ctx, 0), (g, x) => {
      const s = 1 + Math.abs(x);
      return g / (s * s);
    })];
  },
  emit(ctx) {
    const s = ctx.op('Add', [scalar(ctx, 1), ctx.op('Abs', [ctx.inputs[0]!])]);
    return [ctx.op('Div', [ctx.gradOutputs[0]!, ctx.op('Mul', [s, s])])];
  },
};
