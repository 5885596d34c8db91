/**
 * Add: Y = A + B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B, for their shapes only (the gradient
 * reads no values). ∂A = reduceToShape(δ, A.dims), ∂B = reduceToShape(δ, B.dims):
 * the adjoint of broadcasting sums δ over the axes each operand was stretched along.
 */
import { floatIn } from '../rule.js';
import { reduceToShape } from '../../tensor/broadcast.js';
function addVjp(ctx) {
    const dy = ctx.gradOutputs[0];
    return [0, 1].map((k) => (ctx.needs[k] ? reduceToShape(dy, floatIn(ctx, k).dims) : undefined));
}
export const add = {
    differentiable: [0, 1],
    saves: { inputs: [0, 1], outputs: [] },
    vjp: addVjp,
};
