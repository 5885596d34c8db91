/**
 * Reshape: y is x's data under a new shape (input 1, int64: 0 copies the
 * input's dim unless allowzero = 1, −1 is inferred). Differentiable: data (0);
 * the shape input is not. Saves: data (its dims only: the new shape alone
 * cannot tell where a −1 or 0 came from).
 *
 *   ∂L/∂x = reshape(δ, dims(x)).
 *
 * Emitted: Reshape(δ, dims(x)).
 */
import { InputError } from '../../errors.js';
import { reshape as reshapeTensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import { reshapeBackEmit } from '../../compile/emit-shape-helpers.js';

/** The dims of saved input k (any element type): what shape-only rules read. */
export function savedDims(ctx: RuleContext, k: number): number[] {
  const t = ctx.inputs[k];
  if (!t) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): input ${k} was not saved for the backward pass`);
  return [...t.dims];
}

/** Optional integer input k as numbers, or undefined when the node leaves it out. */
export function optionalIntsIn(ctx: RuleContext, k: number): number[] | undefined {
  const v = ctx.node.inputs[k];
  return v ? intsIn(ctx, k) : undefined;
}

/** Any reshape-like op (Reshape, Flatten, Squeeze): δ takes the saved input's dims back. */
export const reshapeBack: GradRule['vjp'] = (ctx) => [reshapeTensor(ctx.gradOutputs[0]!, savedDims(ctx, 0))];

export const reshape: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp: reshapeBack,
  emit: reshapeBackEmit,
};
