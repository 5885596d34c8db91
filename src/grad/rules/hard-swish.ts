/**
 * HardSwish: y = x · max(0, min(1, x/6 + 1/2)), i.e. x·HardSigmoid(x) with
 * α = 1/6, β = 1/2; no attributes.
 *
 * Differentiable: x. Saved: x (y does not determine x on the quadratic part).
 *   ∂L/∂x = 0 for x < −3,  δ·(x/3 + 1/2) for −3 < x < 3,  δ for x > 3.
 * Emitted: δ · Where(x > −3, Where(x < 3, x/3 + 1/2, 1), 0).
 */
import { floatIn, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { selectEmit } from './unary-common.js';

/** d/dx of x·max(0, min(1, x/6 + 1/2)). */
function hardSwishSlope(x: number): number {
  if (x <= -3) return 0;
  if (x >= 3) return 1;
  return x / 3 + 0.5;
}

export const hardSwish: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, x, (g, v) => g * hardSwishSlope(v))];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const f = (v: number) => ctx.floats([v], []);
    const ramp = ctx.op('Add', [ctx.op('Div', [x, f(3)]), f(0.5)]);
    const slope = selectEmit(ctx, ctx.op('Greater', [x, f(-3)]), selectEmit(ctx, ctx.op('Less', [x, f(3)]), ramp, f(1)), f(0));
    return [ctx.op('Mul', [ctx.gradOutputs[0]!, slope])];
  },
};
