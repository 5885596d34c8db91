/**
 * ReduceLogSumExp: y = log Σ exp(x) over the reduced axes (axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts; axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data, axes and
 * the output y.
 *
 *   ∂L/∂x = δ ∘ exp(x − y), δ and y in kept-dims form broadcast over the
 *   reduced axes: δ times the softmax of x over the reduced axes.
 *
 * Emitted: Reshape (or Unsqueeze) of δ and y to the kept dims, Sub, Exp, Mul.
 */
import { binaryOp } from '../../tensor/broadcast.js';
import { keptDims } from '../../tensor/reduce.js';
import { reshape } from '../../tensor/tensor.js';
import { floatIn, floatOut, type GradRule } from '../rule.js';
import { keptEmit } from '../../compile/emit-reduce.js';
import { emitReduction, reduceAxesOf } from './reduce-common.js';

export const reduceLogSumExp: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [0] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const kept = keptDims(x.dims, reduceAxesOf(ctx, x.dims.length));
    const y = reshape(floatOut(ctx, 0), kept);
    const dy = reshape(ctx.gradOutputs[0]!, kept);
    const softmax = binaryOp(x, y, (v, m) => Math.exp(v - m));
    return [binaryOp(softmax, dy, (p, g) => p * g)];
  },
  emit(ctx) {
    const x = ctx.inputs[0]!;
    const xDims = ctx.dims(x);
    const yDims = ctx.dims(ctx.outputs[0]!);
    const r = emitReduction(ctx);
    const y = keptEmit(ctx, ctx.outputs[0]!, yDims, xDims, r);
    const dy = keptEmit(ctx, ctx.gradOutputs[0]!, yDims, xDims, r);
    const dx = ctx.op('Mul', [ctx.op('Exp', [ctx.op('Sub', [x, y])]), dy]);
    ctx.setDims(dx, xDims);
    return [dx];
  },
};
