/**
 * ReduceMax: y = max x over the reduced axes (axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts; axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data, axes and
 * the output y.
 *
 *   m = [x = y] (y in kept-dims form, broadcast),  c = Σ m over the reduced axes,
 *   ∂L/∂x = m ∘ δ / c.
 *
 * Ties: the gradient is split equally among every position that reaches the
 * maximum (c of them), so a unique maximum takes all of δ. No one-sided
 * difference agrees with any rule at a tie; the tests use distinct values.
 * Emitted: Reshape (or Unsqueeze with the axes input) of y and δ to the kept
 * dims, Cast(Not(Less(x, y))), ReduceSum (keepdims) for c, Div, Mul.
 * ReduceMin (reduce-min.ts) is the same rule with Greater for Less.
 */
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import { extremumMask } from '../../tensor/reduce.js';
import { zipWith } from '../../tensor/tensor.js';
import type { GradRule } from '../rule.js';
import { extremumMaskEmit, sumKeptEmit } from '../../compile/emit-reduce.js';
import { keptOperands, keptOperandsEmit } from './reduce-common.js';

/** The rule of ReduceMax (kind 'max') or ReduceMin (kind 'min'). */
export function reduceExtremumRule(kind: 'max' | 'min'): GradRule {
  return {
    differentiable: [0],
    saves: { inputs: [0, 1], outputs: [0] },
    vjp(ctx) {
      const { x, y, dy } = keptOperands(ctx);
      const mask = extremumMask(x, y, kind);
      const share = zipWith(dy, reduceToShape(mask, dy.dims), (g, c) => g / c);
      return [binaryOp(mask, share, (m, s) => m * s)];
    },
    emit(ctx) {
      const { x, y, dy, xDims, r } = keptOperandsEmit(ctx);
      const mask = extremumMaskEmit(ctx, x, y, kind, xDims);
      const share = ctx.op('Div', [dy, sumKeptEmit(ctx, mask, xDims, r)]);
      const dx = ctx.op('Mul', [mask, share]);
      ctx.setDims(dx, xDims);
      return [dx];
    },
  };
}

export const reduceMax: GradRule = reduceExtremumRule('max');
