/**
 * Mul: Y = A ∘ B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B (each one's gradient reads the other).
 * ∂A = reduceToShape(δ ∘ B, A.dims), ∂B = reduceToShape(δ ∘ A, B.dims).
 */
import { floatIn } from '../rule.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
function mulVjp(ctx) {
    const dy = ctx.gradOutputs[0];
    const a = floatIn(ctx, 0);
    const b = floatIn(ctx, 1);
    return [
        ctx.needs[0] ? reduceToShape(binaryOp(dy, b, (g, v) => g * v), a.dims) : undefined,
        ctx.needs[1] ? reduceToShape(binaryOp(dy, a, (g, v) => g * v), b.dims) : undefined,
    ];
}
export const mul = {
    differentiable: [0, 1],
    saves: { inputs: [0, 1], outputs: [] },
    vjp: mulVjp,
};
