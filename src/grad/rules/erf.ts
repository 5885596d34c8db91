/**
 * Erf: y = erf(x) = 2/√π ∫₀ˣ e^{−t²} dt;  ∂L/∂x = δ ∘ (2/√π)·e^{−x²}.
 *
 * Differentiable: x. Saved: x. Emitted: δ · ((2/√π) · Exp(Neg(x · x))).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain, scalar } from './unary-common.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

export const erf: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), (x) => TWO_OVER_SQRT_PI * Math.exp(-x * x))];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const gauss = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Mul', [scalar(ctx, TWO_OVER_SQRT_PI), gauss])])];
  },
};
