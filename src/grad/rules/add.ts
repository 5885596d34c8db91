/**
 * Add: Y = A + B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B, for their shapes only (the gradient
 * reads no values). ∂A = reduceToShape(δ, A.dims), ∂B = reduceToShape(δ, B.dims):
 * the adjoint of broadcasting sums δ over the axes each operand was stretched along.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import type { Tensor } from '../../tensor/tensor.js';

function addVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  return [0, 1].map((k) => (ctx.needs[k] ? reduceToShape(dy, floatIn(ctx, k).dims) : undefined));
}

export const add: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [] },
  vjp: addVjp,
};
