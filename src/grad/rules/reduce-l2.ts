/**
 * ReduceL2: y = √(Σ x²) over the reduced axes (axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts; axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data, axes and
 * the output y.
 *
 *   ∂L/∂x = x ∘ δ / y, δ and y in kept-dims form broadcast over the reduced axes,
 *
 * with y replaced by 1 where y = 0 (then every x it covers is 0, so the
 * gradient there is 0, the subgradient of the norm at the origin, instead of
 * 0/0). Emitted: Reshape (or Unsqueeze) of δ and y to the kept dims,
 * y + Cast(Not(y > 0)), Div, Mul by x.
 */
import { DataType } from '../../onnx/dtypes.js';
import { binaryOp } from '../../tensor/broadcast.js';
import { zipWith } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { keptOperands, keptOperandsEmit } from './reduce-common.js';

export const reduceL2: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [0] },
  vjp(ctx) {
    const { x, y, dy } = keptOperands(ctx);
    const q = zipWith(dy, y, (g, v) => g / (v > 0 ? v : 1));
    return [binaryOp(x, q, (v, s) => v * s)];
  },
  emit(ctx) {
    const { x, y, dy, xDims, r } = keptOperandsEmit(ctx);
    const zero = ctx.op('Cast', [ctx.op('Not', [ctx.op('Greater', [y, ctx.floats([0], [])])])], { to: DataType.FLOAT });
    const q = ctx.op('Div', [dy, ctx.op('Add', [y, zero])]);
    const dx = ctx.op('Mul', [x, q]);
    ctx.setDims(dx, xDims);
    return [dx];
  },
};
