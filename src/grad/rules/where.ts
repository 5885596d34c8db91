/**
 * Where: out = X where cond, Y elsewhere, with cond (bool), X and Y
 * broadcast together (numpy rules) to out's shape.
 *
 * Differentiable: X, Y; cond is not. Saved: cond, and X and Y for their dims.
 *   ∂X = reduceToShape(δ where cond, 0 elsewhere; X.dims),
 *   ∂Y = reduceToShape(0 where cond, δ elsewhere; Y.dims).
 * Emitted: Where(cond, δ, 0) and Where(cond, 0, δ), each followed by
 * ReduceSum/Reshape to its operand's dims.
 */
import { InputError } from '../../errors.js';
import { type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import type { Tensor } from '../../tensor/tensor.js';
import { savedDims } from './reshape.js';
import { scalar } from './unary-common.js';

/** The saved condition as 0/1 floats. */
function condition(ctx: RuleContext): Tensor {
  const c = ctx.inputs[0];
  if (!c) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): the condition was not saved for the backward pass`);
  return { dims: c.dims, data: Float32Array.from(c.data as ArrayLike<number | bigint>, (v) => (Number(v) !== 0 ? 1 : 0)) };
}

function whereVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const c = condition(ctx);
  return [
    undefined,
    ctx.needs[1] ? reduceToShape(binaryOp(dy, c, (g, m) => (m !== 0 ? g : 0)), savedDims(ctx, 1)) : undefined,
    ctx.needs[2] ? reduceToShape(binaryOp(dy, c, (g, m) => (m !== 0 ? 0 : g)), savedDims(ctx, 2)) : undefined,
  ];
}

export const where: GradRule = {
  differentiable: [1, 2],
  saves: { inputs: [0, 1, 2], outputs: [] },
  vjp: whereVjp,
  emit(ctx) {
    const [cond, x, y] = ctx.inputs as [string, string, string];
    const dy = ctx.gradOutputs[0]!;
    const outDims = ctx.dims(ctx.outputs[0]!);
    const zero = scalar(ctx, 0);
    return [
      undefined,
      ctx.needs[1] ? reduceToShapeEmit(ctx, ctx.op('Where', [cond, dy, zero]), outDims, ctx.dims(x)) : undefined,
      ctx.needs[2] ? reduceToShapeEmit(ctx, ctx.op('Where', [cond, zero, dy]), outDims, ctx.dims(y)) : undefined,
    ];
  },
};
