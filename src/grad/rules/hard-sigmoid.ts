/**
 * HardSigmoid: y = max(0, min(1, α·x + β)) (attributes alpha, default 0.2, and
 * beta, default 0.5);  ∂L/∂x = α·δ where 0 < y < 1, 0 elsewhere.
 *
 * Differentiable: x. Saved: y (0 < y < 1 exactly where α·x + β lies inside the
 * linear segment). Emitted (Where from opset 9, a 0/1 mask product before): Where(Greater(y, 0) ∧ Less(y, 1), α·δ, 0).
 */
import { floatOut, type GradRule } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
import { selectEmit } from './unary-common.js';

export const hardSigmoid: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 0.2);
    const y = floatOut(ctx, 0);
    return [zipWith(ctx.gradOutputs[0]!, y, (g, v) => (v > 0 && v < 1 ? alpha * g : 0))];
  },
  emit(ctx) {
    const alpha = ctx.node.attrs.float('alpha', 0.2);
    const y = ctx.outputs[0]!;
    const inside = ctx.op('And', [ctx.op('Greater', [y, ctx.floats([0], [])]), ctx.op('Less', [y, ctx.floats([1], [])])]);
    return [selectEmit(ctx, inside, ctx.op('Mul', [ctx.gradOutputs[0]!, ctx.floats([alpha], [])]), ctx.floats([0], []))];
  },
};
