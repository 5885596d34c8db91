/**
 * Add: Y = A + B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B, for their shapes only (the gradient
 * reads no values). ∂A = reduceToShape(δ, A.dims), ∂B = reduceToShape(δ, B.dims):
 * the adjoint of broadcasting sums δ over the axes each operand was stretched along.
 * Emitted: ReduceSum (keepdims) over the broadcast axes, then Reshape to the operand's dims.
 */
import { floatIn } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { reduceToShape } from '../../tensor/broadcast.js';
function addVjp(ctx) {
    const dy = ctx.gradOutputs[0];
    return [0, 1].map((k) => (ctx.needs[k] ? reduceToShape(dy, floatIn(ctx, k).dims) : undefined));
}
export const add = {
    differentiable: [0, 1],
    saves: { inputs: [0, 1], outputs: [] },
    vjp: addVjp,
    emit(ctx) {
        const dy = ctx.gradOutputs[0];
        const dyDims = ctx.dims(ctx.outputs[0]);
        return [0, 1].map((k) => (ctx.needs[k] ? reduceToShapeEmit(ctx, dy, dyDims, ctx.dims(ctx.inputs[k])) : undefined));
    },
};
