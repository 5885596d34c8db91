/**
 * Div: Y = A / B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B.
 * ∂A = reduceToShape(δ / B, A.dims), ∂B = reduceToShape(−δ ∘ A / B², B.dims).
 */
import { floatIn } from '../rule.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
function divVjp(ctx) {
    const dy = ctx.gradOutputs[0];
    const a = floatIn(ctx, 0);
    const b = floatIn(ctx, 1);
    const dyOverB = binaryOp(dy, b, (g, v) => g / v);
    return [
        ctx.needs[0] ? reduceToShape(dyOverB, a.dims) : undefined,
        // −δ·A/B² computed as −(δ/B)·A/B, which stays finite where B² would overflow.
        ctx.needs[1] ? reduceToShape(binaryOp(binaryOp(dyOverB, a, (q, v) => -q * v), b, (q, v) => q / v), b.dims) : undefined,
    ];
}
export const div = {
    differentiable: [0, 1],
    saves: { inputs: [0, 1], outputs: [] },
    vjp: divVjp,
};
