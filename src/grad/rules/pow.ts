/**
 * Pow: Z = X^Y with multidirectional (numpy) broadcasting (from opset 12 Y
 * may be an integer tensor; X is the differentiable float base).
 *
 * Differentiable: X, Y. Saved: X, Y and Z.
 *   ∂X = reduceToShape(δ ∘ Y ∘ X^(Y−1), X.dims),
 *   ∂Y = reduceToShape(δ ∘ Z ∘ ln X, Y.dims), with ln X taken as 0 where
 *        X ≤ 0: there X^Y has no real derivative in Y (for X < 0 it is real
 *        only at integer Y) or the limit X^Y·ln X is 0 (X = 0, Y > 0).
 * An integer exponent is read as floats.
 * Emitted: Cast(Y, FLOAT) (a no-op for a float Y, needed for an integer one);
 * δ · (Y · Pow(X, Y − 1)); δ · Z · Log(select(X > 0, X, 1)); each followed by
 * ReduceSum/Reshape to its operand's dims. select is Where from opset 9.
 */
import { InputError } from '../../errors.js';
import { type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit } from '../../compile/emit-helpers.js';
import { DataType } from '../../onnx/dtypes.js';
import { binaryOp, reduceToShape } from '../../tensor/broadcast.js';
import { zipWith, type Tensor } from '../../tensor/tensor.js';
import { scalar, selectEmit } from './unary-common.js';

/** Saved value `t` (float or integer elements) as a float32 Tensor. */
function numericTensor(ctx: RuleContext, t: RuleContext['inputs'][number], what: string): Tensor {
  if (!t) throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): ${what} was not saved for the backward pass`);
  const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
  return { dims: t.dims, data };
}

function powVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const x = numericTensor(ctx, ctx.inputs[0], 'input 0');
  const y = numericTensor(ctx, ctx.inputs[1], 'input 1');
  let dx: Tensor | undefined;
  let dExp: Tensor | undefined;
  if (ctx.needs[0]) {
    const local = binaryOp(x, y, (a, b) => b * Math.pow(a, b - 1));
    dx = reduceToShape(zipWith(dy, local, (g, v) => g * v), x.dims);
  }
  if (ctx.needs[1]) {
    const z = numericTensor(ctx, ctx.outputs[0], 'output 0');
    const lnX = { dims: x.dims, data: x.data.map((a) => (a > 0 ? Math.log(a) : 0)) };
    dExp = reduceToShape(binaryOp(zipWith(dy, z, (g, v) => g * v), lnX, (p, l) => p * l), y.dims);
  }
  return [dx, dExp];
}

export const pow: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [0] },
  vjp: powVjp,
  emit(ctx) {
    const [x, y] = ctx.inputs as [string, string];
    const z = ctx.outputs[0]!;
    const dy = ctx.gradOutputs[0]!;
    const outDims = ctx.dims(z);
    let dx: string | undefined;
    let dExp: string | undefined;
    if (ctx.needs[0]) {
      const yf = ctx.op('Cast', [y], { to: DataType.FLOAT });
      const local = ctx.op('Mul', [yf, ctx.op('Pow', [x, ctx.op('Sub', [yf, scalar(ctx, 1)])])]);
      dx = reduceToShapeEmit(ctx, ctx.op('Mul', [dy, local]), outDims, ctx.dims(x));
    }
    if (ctx.needs[1]) {
      const lnX = ctx.op('Log', [selectEmit(ctx, ctx.op('Greater', [x, scalar(ctx, 0)]), x, scalar(ctx, 1))]);
      dExp = reduceToShapeEmit(ctx, ctx.op('Mul', [ctx.op('Mul', [dy, z]), lnX]), outDims, ctx.dims(y));
    }
    return [dx, dExp];
  },
};
