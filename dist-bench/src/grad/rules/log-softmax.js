/**
 * LogSoftmax: y = x − log Σ_S exp(x), over the same axes S as Softmax (one
 * axis, default −1, from opset 13; every axis from `axis`, default 1, before).
 *
 * Differentiable: x. Saved: y. With softmax(x) = exp(y),
 *
 *   ∂L/∂x = δ − exp(y) ∘ Σ_S δ,
 *
 * the sum kept with size-1 axes and broadcast back. Emitted: ReduceSum
 * (keepdims) over the same axes, Exp, Mul, Sub.
 */
import { floatOut } from '../rule.js';
import { binaryOp, reduceSum } from '../../tensor/broadcast.js';
import { zipWith } from '../../tensor/tensor.js';
import { softmaxAxes } from './softmax.js';
import { reduceSumEmit, ruleView } from '../../compile/emit-helpers.js';
export const logSoftmax = {
    differentiable: [0],
    saves: { inputs: [], outputs: [0] },
    vjp(ctx) {
        const y = floatOut(ctx, 0);
        const dy = ctx.gradOutputs[0];
        const total = reduceSum(dy, softmaxAxes(ctx, y.dims.length), true);
        return [zipWith(dy, binaryOp(y, total, (v, s) => Math.exp(v) * s), (g, p) => g - p)];
    },
    emit(ctx) {
        const y = ctx.outputs[0];
        const dims = ctx.dims(y);
        const dy = ctx.gradOutputs[0];
        const total = reduceSumEmit(ctx, dy, dims, softmaxAxes(ruleView(ctx), dims.length), true);
        return [ctx.op('Sub', [dy, ctx.op('Mul', [ctx.op('Exp', [y]), total])])];
    },
};
