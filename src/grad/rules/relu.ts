/**
 * Relu: y = max(0, x);  ∂L/∂x = δ where y > 0 (equivalently x > 0), 0 elsewhere
 * (the subgradient 0 is taken at x = 0).
 *
 * Differentiable: x. Saved: y (its sign is the input's). Emitted: δ · Cast(y > 0)
 * (maskedEmit); δ as it is where the emitter that made it recorded that it
 * vanishes wherever y is not positive (MaxPool's, which masks its smaller
 * pooled δ instead).
 */
import { floatOut, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { maskedEmit } from './unary-common.js';

export const relu: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    const y = floatOut(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, y, (g, v) => (v > 0 ? g : 0))];
  },
  emit(ctx) {
    const dy = ctx.gradOutputs[0]!;
    if (ctx.zeroWhereNotPositive(dy, ctx.outputs[0]!)) return [dy];
    const positive = ctx.op('Greater', [ctx.outputs[0]!, ctx.floats([0], [])]);
    return [maskedEmit(ctx, positive, dy)];
  },
};
