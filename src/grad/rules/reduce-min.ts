/**
 * ReduceMin: y = min x over the reduced axes (axes, keepdims and
 * noop_with_empty_axes as in src/grad/rules/reduce-common.ts; axes an input
 * from opset 18). Differentiable: data (0); axes is not. Saves: data, axes and
 * the output y.
 *
 *   m = [x = y] (y in kept-dims form, broadcast),  c = Σ m over the reduced axes,
 *   ∂L/∂x = m ∘ δ / c.
 *
 * Ties: the gradient is split equally among every position that reaches the
 * minimum, as for ReduceMax (reduce-max.ts, whose rule this is with
 * Cast(Not(Greater(x, y))) as the emitted mask).
 */
import type { GradRule } from '../rule.js';
import { reduceExtremumRule } from './reduce-max.js';

export const reduceMin: GradRule = reduceExtremumRule('min');
