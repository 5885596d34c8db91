/**
 * Sum: Y = X₀ + X₁ + … + X_{n−1}, variadic, with multidirectional (numpy)
 * broadcasting of all inputs to one shape.
 *
 * Differentiable: every input. Saved: every input, for its shape only.
 * ∂X_k = reduceToShape(δ, X_k.dims).
 * Emitted: ReduceSum (keepdims) over each input's broadcast axes, then Reshape.
 */
import { everyInput, floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import type { NodeView } from '../../graph/graph.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import type { Tensor } from '../../tensor/tensor.js';

function sumVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  return ctx.node.inputs.map((_, k) => (ctx.needs[k] ? reduceToShape(dy, floatIn(ctx, k).dims) : undefined));
}

export const sum: GradRule = {
  differentiable: (node: NodeView) => node.inputs.map((_, i) => i),
  saves: everyInput,
  vjp: sumVjp,
  emit(ctx) {
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    return ctx.inputs.map((v, k) => (ctx.needs[k] ? reduceToShapeEmit(ctx, dy, dyDims, ctx.dims(v)) : undefined));
  },
};
