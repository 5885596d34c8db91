/**
 * Softmax: y = exp(x) / Σ_S exp(x), the sum S taken over the normalised axes:
 * from opset 13 the single axis `axis` (default −1); before opset 13 the input
 * is coerced to 2-D at `axis` (default 1), so S is every axis from `axis` on.
 *
 * Differentiable: x. Saved: y. The softmax Jacobian (as in paper-rules.md's
 * learned combinations, `α (∂E/∂α − Σ α ∂E/∂α)`) gives
 *
 *   ∂L/∂x = y ∘ (δ − Σ_S (δ ∘ y)),
 *
 * the inner sum kept with size-1 axes and broadcast back. Emitted: Mul,
 * ReduceSum (keepdims) over the same axes, Sub, Mul.
 */
import { InputError } from '../../errors.js';
import { floatOut, type GradRule, type RuleContext } from '../rule.js';
import { binaryOp, reduceSum } from '../../tensor/broadcast.js';
import { zipWith, type Tensor } from '../../tensor/tensor.js';
import { reduceSumEmit, ruleView } from '../../compile/emit-helpers.js';

/**
 * The axes a Softmax/LogSoftmax/Hardmax node normalises over, for a tensor of
 * the given rank, following the attribute's meaning in the model's opset.
 */
export function softmaxAxes(ctx: RuleContext, rank: number): number[] {
  const legacy = ctx.opset < 13;
  const axis = ctx.node.attrs.int('axis', legacy ? 1 : -1);
  if (axis < -rank || axis >= rank) {
    throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): axis ${axis} is out of range for rank ${rank}`);
  }
  const a = axis < 0 ? axis + rank : axis;
  if (!legacy) return [a];
  return Array.from({ length: rank - a }, (_, i) => a + i);
}

/** y ∘ (δ − Σ_axes(δ ∘ y)): the vector–Jacobian product of softmax along `axes`. */
export function softmaxGrad(dy: Tensor, y: Tensor, axes: readonly number[]): Tensor {
  const dot = reduceSum(zipWith(dy, y, (g, v) => g * v), axes, true);
  return zipWith(binaryOp(dy, dot, (g, s) => g - s), y, (d, v) => d * v);
}

export const softmax: GradRule = {
  differentiable: [0],
  saves: { inputs: [], outputs: [0] },
  vjp(ctx) {
    const y = floatOut(ctx, 0);
    return [softmaxGrad(ctx.gradOutputs[0]!, y, softmaxAxes(ctx, y.dims.length))];
  },
  emit(ctx) {
    const y = ctx.outputs[0]!;
    const dims = ctx.dims(y);
    const dy = ctx.gradOutputs[0]!;
    const dot = reduceSumEmit(ctx, ctx.op('Mul', [dy, y]), dims, softmaxAxes(ruleView(ctx), dims.length), true);
    return [ctx.op('Mul', [ctx.op('Sub', [dy, dot]), y])];
  },
};
