/**
 * Softplus: y = ln(1 + eˣ);  ∂L/∂x = δ ∘ σ(x), σ the logistic sigmoid.
 *
 * Differentiable: x. Saved: x (σ(x) = 1 − e^{−y} would lose precision for
 * large negative x). Emitted: δ · Sigmoid(x).
 */
import { floatIn, type GradRule } from '../rule.js';
import { chain } from './unary-common.js';

/** σ(x) = 1 / (1 + e^{−x}). */
export function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export const softplus: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    return [chain(ctx.gradOutputs[0]!, floatIn(ctx, 0), logistic)];
  },
  emit(ctx) {
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.op('Sigmoid', [ctx.inputs[0]!])])];
  },
};
