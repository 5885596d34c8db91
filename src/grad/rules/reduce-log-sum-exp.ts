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
import type { GradRule } from '../rule.js';
import { keptOperands, keptOperandsEmit } from './reduce-common.js';

export const reduceLogSumExp: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [0] },
  vjp(ctx) {
    const { x, y, dy } = keptOperands(ctx);
    const softmax = binaryOp(x, y, (v, m) => Math.exp(v - m));
    return [binaryOp(softmax, dy, (p, g) => p * g)];
  },
  emit(ctx) {
    const { x, y, dy, xDims, r } = keptOperandsEmit(ctx);
    const dx = ctx.op('Mul', [ctx.op('Exp', [ctx.op('Sub', [x, y])]), dy]);
    ctx.setDims(dx, xDims);
    return [dx];
  },
};
