/**
 * MatMul (numpy matmul): Y = A·B over the last two axes, leading (batch) axes
 * broadcast; a 1-D A is read as [1,K] and a 1-D B as [K,1], the inserted axis
 * dropped from Y.
 *
 * Differentiable: A, B. Saved: A and B (each one's gradient reads the other,
 * and both give the shapes to reduce to). With A, B and δ promoted to the
 * rank-≥2 forms above,
 *
 *   ∂A = reduceToShape(δ · Bᵀ, A.dims),   ∂B = reduceToShape(Aᵀ · δ, B.dims),
 *
 * where ᵀ swaps the last two axes and reduceToShape sums over the batch axes
 * an operand was broadcast along; the results take the operands' own shapes.
 */
import { floatIn } from '../rule.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import { batchedMatmul } from '../../tensor/matmul.js';
import { reshape } from '../../tensor/tensor.js';
import { transpose } from '../../tensor/transpose.js';
/** Swap the last two axes (rank ≥ 2). */
function swapLast(x) {
    const r = x.dims.length;
    const perm = x.dims.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    return transpose(x, perm);
}
/** The rank-≥2 form numpy matmul reads a 1-D operand as: [1,K] on the left, [K,1] on the right. */
function promote(t, side) {
    if (t.dims.length !== 1)
        return t;
    return reshape(t, side === 'left' ? [1, t.dims[0]] : [t.dims[0], 1]);
}
/** δ with the axes a 1-D operand removed put back, so that it is batch + [M, N]. */
function promoteGrad(dy, a, b) {
    const dims = [...dy.dims];
    if (b.dims.length === 1)
        dims.push(1);
    if (a.dims.length === 1)
        dims.splice(dims.length - 1, 0, 1);
    return reshape(dy, dims);
}
function matMulVjp(ctx) {
    const a = floatIn(ctx, 0);
    const b = floatIn(ctx, 1);
    const dy = promoteGrad(ctx.gradOutputs[0], a, b);
    const a2 = promote(a, 'left');
    const b2 = promote(b, 'right');
    const out = [undefined, undefined];
    if (ctx.needs[0])
        out[0] = reshape(reduceToShape(batchedMatmul(dy, swapLast(b2)), a2.dims), a.dims);
    if (ctx.needs[1])
        out[1] = reshape(reduceToShape(batchedMatmul(swapLast(a2), dy), b2.dims), b.dims);
    return out;
}
export const matMul = {
    differentiable: [0, 1],
    saves: { inputs: [0, 1], outputs: [] },
    vjp: matMulVjp,
};
