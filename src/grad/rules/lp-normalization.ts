/**
 * LpNormalization: y = x / ‖x‖_p along `axis` (default −1, negative counts
 * from the end), p = 1 (Σ|x|) or 2 (sqrt(Σx²), the default); a line whose
 * norm is 0 gives y = 0, as ONNX Runtime computes it. Differentiable: X (0).
 * Saves: X. With ⟨δ, y⟩ = Σ_axis δ · y kept as a size-1 axis:
 *
 *   p = 2:  ∂x = (δ − y · ⟨δ, y⟩) / ‖x‖₂
 *   p = 1:  ∂x = (δ − sign(x) · ⟨δ, y⟩) / ‖x‖₁
 *
 * and 0 on a line of norm 0 (where y is constant). Other p throw
 * UnsupportedError, as the operator defines only 1 and 2.
 * Emitted: ReduceSum (opset form) of x·x or Abs(x), Sqrt for p = 2, 1/‖x‖
 * guarded by Cast(‖x‖ > 0), Mul, Sub, and Sign (from opset 9; before that
 * Cast(x > 0) − Cast(x < 0)).
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { DataType } from '../../onnx/dtypes.js';
import { binaryOp, reduceSum } from '../../tensor/broadcast.js';
import { map, zipWith, type Tensor } from '../../tensor/tensor.js';
import type { EmitContext } from '../../compile/emit.js';
import { reduceSumEmit } from '../../compile/emit-helpers.js';
import { floatIn, type GradRule } from '../rule.js';

function lpAttrs(node: NodeView, rank: number): { axis: number; p: 1 | 2 } {
  const axis = node.attrs.int('axis', -1);
  if (axis < -rank || axis >= rank) throw new InputError(`node '${node.name}' (${node.opType}): axis ${axis} is out of range for rank ${rank}`);
  const p = node.attrs.int('p', 2);
  if (p !== 1 && p !== 2) throw new UnsupportedError(`node '${node.name}' (${node.opType}): p = ${p} (only 1 and 2 are defined)`);
  return { axis: axis < 0 ? axis + rank : axis, p };
}

function lpVjp(x: Tensor, dy: Tensor, axis: number, p: 1 | 2): Tensor {
  const norm = p === 2
    ? map(reduceSum(map(x, (v) => v * v), [axis], true), Math.sqrt)
    : reduceSum(map(x, Math.abs), [axis], true);
  const invNorm = map(norm, (n) => (n > 0 ? 1 / n : 0));
  const y = binaryOp(x, invNorm, (v, k) => v * k);
  const dot = reduceSum(zipWith(dy, y, (g, v) => g * v), [axis], true);
  const dir = p === 2 ? y : map(x, Math.sign);
  const projected = zipWith(dy, binaryOp(dir, dot, (s, d) => s * d), (g, sd) => g - sd);
  return binaryOp(projected, invNorm, (v, k) => v * k);
}

function floatMask(ctx: EmitContext, cond: string): string {
  return ctx.op('Cast', [cond], { to: DataType.FLOAT });
}

function signEmit(ctx: EmitContext, x: string): string {
  if (ctx.opset >= 9) return ctx.op('Sign', [x]);
  const zero = ctx.floats([0], []);
  return ctx.op('Sub', [floatMask(ctx, ctx.op('Greater', [x, zero])), floatMask(ctx, ctx.op('Less', [x, zero]))]);
}

function lpEmit(ctx: EmitContext): (string | undefined)[] {
  const x = ctx.inputs[0]!;
  const dims = ctx.dims(x);
  const { axis, p } = lpAttrs(ctx.node, dims.length);
  const dy = ctx.gradOutputs[0]!;
  const sum = reduceSumEmit(ctx, p === 2 ? ctx.op('Mul', [x, x]) : ctx.op('Abs', [x]), dims, [axis], true);
  const norm = p === 2 ? ctx.op('Sqrt', [sum]) : sum;
  // 1/‖x‖ where ‖x‖ > 0 and 0 elsewhere, without a division by zero: m / (‖x‖ + 1 − m).
  const m = floatMask(ctx, ctx.op('Greater', [norm, ctx.floats([0], [])]));
  const invNorm = ctx.op('Div', [m, ctx.op('Add', [norm, ctx.op('Sub', [ctx.floats([1], []), m])])]);
  const y = ctx.op('Mul', [x, invNorm]);
  const dot = reduceSumEmit(ctx, ctx.op('Mul', [dy, y]), dims, [axis], true);
  const dir = p === 2 ? y : signEmit(ctx, x);
  const projected = ctx.op('Sub', [dy, ctx.op('Mul', [dir, dot])]);
  const dx = ctx.op('Mul', [projected, invNorm]);
  ctx.setDims(dx, dims);
  return [dx];
}

export const lpNormalization: GradRule = {
  differentiable: [0],
  saves: { inputs: [0], outputs: [] },
  vjp(ctx) {
    const x = floatIn(ctx, 0);
    const { axis, p } = lpAttrs(ctx.node, x.dims.length);
    return [lpVjp(x, ctx.gradOutputs[0]!, axis, p)];
  },
  emit: lpEmit,
};
