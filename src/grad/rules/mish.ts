/**
 * Mish (opset 18): y = x · tanh(softplus(x)), softplus(x) = ln(1 + eˣ);
 *   ∂L/∂x = δ ∘ (t + x · σ(x) · (1 − t²)),  t = tanh(softplus(x)),
 * since d softplus/dx = σ(x), the logistic sigmoid.
 *
 * Differentiable: x. Saved: x.
 * Emitted: t = Tanh(Softplus(x)); δ · (t + x · Sigmoid(x) · (1 − t · t)).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain, scalar } from './unary-common.js';
import { logistic } from './softplus.js';

/** ln(1 + eˣ) without overflow: max(x, 0) + ln(1 + e^{−|x|}). */
function softplusOf(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

function mishSlope(x: number): number {
  const t = Math.tanh(softplusOf(x));
  return t + x * logistic(x) * (1 - t * t);
}

export const mish: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), mishSlope)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const t = ctx.op('Tanh', [ctx.op('Softplus', [x])]);
    const oneMinusT2 = ctx.op('Sub', [scalar(ctx, 1), ctx.op('Mul', [t, t])]);
    const slope = ctx.op('Add', [t, ctx.op('Mul', [ctx.op('Mul', [x, ctx.op('Sigmoid', [x])]), oneMinusT2])]);
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, slope])];
  },
};
