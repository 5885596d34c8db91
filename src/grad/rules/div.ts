/**
 * Div: Y = A / B with multidirectional (numpy) broadcasting.
 *
 * Differentiable: A, B. Saved: A and B.
 * ∂A = reduceToShape(δ / B, A.dims), ∂B = reduceToShape(−δ ∘ A / B², B.dims).
 * Emitted: broadcasting Div/Mul/Neg as −((δ/B)·A)/B, then ReduceSum/Reshape.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import type { Tensor } from '../../tensor/tensor.js';

function divVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const a = floatIn(ctx, 0);
  const b = floatIn(ctx, 1);
  const dyOverB = binaryOp(dy, b, (g, v) => g / v);
  return [
    ctx.needs[0] ? reduceToShape(dyOverB, a.dims) : undefined,
    // −δ·A/B² computed as −(δ/B)·A/B, which stays finite where B² would overflow.
    ctx.needs[1] ? reduceToShape(binaryOp(binaryOp(dyOverB, a, (q, v) => -q * v), b, (q, v) => q / v), b.dims) : undefined,
  ];
}

export const div: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [] },
  vjp: divVjp,
  emit(ctx) {
    const dy = ctx.gradOutputs[0]!;
    const dyDims = ctx.dims(ctx.outputs[0]!);
    const [a, b] = ctx.inputs as [string, string];
    const dyOverB = ctx.op('Div', [dy, b]);
    return [
      ctx.needs[0] ? reduceToShapeEmit(ctx, dyOverB, dyDims, ctx.dims(a)) : undefined,
      ctx.needs[1] ? reduceToShapeEmit(ctx, ctx.op('Div', [ctx.op('Neg', [ctx.op('Mul', [dyOverB, a])]), b]), dyDims, ctx.dims(b)) : undefined,
    ];
  },
};
