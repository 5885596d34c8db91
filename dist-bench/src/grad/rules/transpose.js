/**
 * Transpose: y = transpose(x, perm) (perm defaults to reversing the axes).
 * Differentiable: data (0). Saves nothing.
 *
 *   ∂L/∂x = transpose(δ, perm⁻¹).
 *
 * Emitted: Transpose(δ, perm⁻¹).
 */
import { invertPerm, transpose as transposeTensor } from '../../tensor/transpose.js';
import { transposeEmit } from '../../compile/emit-helpers.js';
export const transpose = {
    differentiable: [0],
    saves: { inputs: [], outputs: [] },
    vjp(ctx) {
        const dy = ctx.gradOutputs[0];
        const r = dy.dims.length;
        const perm = ctx.node.attrs.ints('perm', []);
        const p = perm.length === 0 ? dy.dims.map((_, i) => r - 1 - i) : perm;
        return [transposeTensor(dy, invertPerm(p))];
    },
    emit(ctx) {
        const dyDims = ctx.dims(ctx.outputs[0]);
        const r = dyDims.length;
        const perm = ctx.node.attrs.ints('perm', []);
        const p = perm.length === 0 ? dyDims.map((_, i) => r - 1 - i) : perm;
        const inv = invertPerm(p);
        return [transposeEmit(ctx, ctx.gradOutputs[0], dyDims, inv)];
    },
};
