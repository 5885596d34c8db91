/**
 * Min: y = elementwise minimum of X₀ … X_{n−1}, variadic, with
 * multidirectional (numpy) broadcasting from opset 8 (equal shapes before).
 * Differentiable: every input. Saves: every input and the output y.
 *
 *   m_k = [X_k = y] (broadcast to y's shape),  c = Σ_k m_k,
 *   ∂X_k = reduceToShape(m_k ∘ δ / c, X_k.dims).
 *
 * Ties: δ is split equally among the inputs that reach the minimum, as for
 * Max (max.ts, whose rule this is with Cast(Not(Greater(X_k, y))) as the
 * emitted mask).
 */
import type { GradRule } from '../rule.js';
import { variadicExtremumRule } from './max.js';

export const min: GradRule = variadicExtremumRule('min');
