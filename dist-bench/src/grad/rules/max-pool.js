/**
 * MaxPool (1-D and 2-D): y_k = max of the in-bounds taps of window k.
 * Differentiable: X (0); the optional Indices output carries no gradient.
 * Saves: X, from which the VJP recomputes the argmax (cheaper to keep than an
 * int64 Indices tensor, and available when the model drops that output).
 *
 *   ∂L/∂x = maxPool2dGrad(δ, argmax): x[argmax_k] += δ_k,
 *
 * the max-pooling form of the paper's `up(δ)` (paper-rules.md): each
 * sensitivity goes back only to the position that won its window.
 */
import { maxPool2d, maxPool2dGrad } from '../../tensor/pool.js';
import { reshape } from '../../tensor/tensor.js';
import { floatIn } from '../rule.js';
import { pooledGrad, poolWindow } from './average-pool.js';
export const maxPool = {
    differentiable: [0],
    saves: { inputs: [0], outputs: [] },
    vjp(ctx) {
        const x = floatIn(ctx, 0);
        const w = poolWindow(ctx.node, x.dims);
        const { argmax } = maxPool2d(reshape(x, w.dims4), w.attrs);
        return [reshape(maxPool2dGrad(pooledGrad(ctx, w), argmax, w.dims4), x.dims)];
    },
};
