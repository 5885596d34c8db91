/**
 * Identity: y = x. Differentiable: input (0). Saves nothing.
 *
 *   ∂L/∂x = δ.
 *
 * Emitted: δ itself (no node).
 */
import type { GradRule } from '../rule.js';

export const identity: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [] },
  vjp: (ctx) => [ctx.gradOutputs[0]!],
  emit: (ctx) => [ctx.gradOutputs[0]!],
};
