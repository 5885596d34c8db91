/**
 * Sub: Y = A − B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B, for their shapes only.
 * ∂A = reduceToShape(δ, A.dims), ∂B = −reduceToShape(δ, B.dims).
 * Emitted: ReduceSum/Reshape to each operand's dims, and Neg for B.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import { scale, type Tensor } from '../../tensor/tensor.js';

function subVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  return [
    ctx.needs[0] ? reduceToShape(dy, floatIn(ctx, 0).dims) : undefined,
    ctx.needs[1] ? scale(reduceToShape(dy, floatIn(ctx, 1).dims), -1) : undefined,
  ];
}

export const sub: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [] },
  vjp: subVjp,
  emit(ctx) {
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    return [
      ctx.needs[0] ? reduceToShapeEmit(ctx, dy, dyDims, ctx.dims(ctx.inputs[0]!)) : undefined,
      ctx.needs[1] ? ctx.op('Neg', [reduceToShapeEmit(ctx, dy, dyDims, ctx.dims(ctx.inputs[1]!))]) : undefined,
    ];
  },
};
