/**
 * Sigmoid: y = 1 / (1 + e^{−x});  ∂L/∂x = ∂L/∂y ∘ y(1 − y).
 * This is the `∘ f'(u)` factor of every sensitivity in paper-rules.md, written
 * through the saved output as the paper does. Emitted: δ · (y · (1 − y)).
 */
import { floatOut } from '../rule.js';
import { zipWith } from '../../tensor/tensor.js';
export const sigmoid = {
    differentiable: [0],
    saves: { inputs: [], outputs: [0] },
    vjp(ctx) {
        const y = floatOut(ctx, 0);
        return [zipWith(ctx.gradOutputs[0], y, (g, v) => g * v * (1 - v))];
    },
    emit(ctx) {
        const y = ctx.outputs[0];
        const oneMinusY = ctx.op('Sub', [ctx.floats([1], []), y]);
        return [ctx.op('Mul', [ctx.gradOutputs[0], ctx.op('Mul', [y, oneMinusY])])];
    },
};
