/**
 * Gemm: Y = α·A'·B' + β·C, with A' = transA ? Aᵀ : A (M×K), B' = transB ? Bᵀ : B
 * (K×N), and the optional C unidirectionally broadcast to [M,N].
 *
 * Differentiable: A, B, C. Saved: A and B (each one's gradient reads the
 * other) and C (for its shape). This is the fully connected rule of
 * paper-rules.md, `∂E/∂W = δ xᵀ`, `δ^{l−1} = Wᵀ δ`, `∂E/∂b = δ`, with the
 * transposes folded into the product:
 *
 *   ∂A' = α δ B'ᵀ,   ∂B' = α A'ᵀ δ,   ∂C = β · reduceToShape(δ, C.dims),
 *
 * and ∂A = ∂A'ᵀ when transA (likewise B), which for each flag pair is one
 * matmul with transposed operands:
 *
 *   transA transB │ ∂A            │ ∂B
 *   0      0      │ α δ Bᵀ        │ α Aᵀ δ
 *   0      1      │ α δ B         │ α δᵀ A
 *   1      0      │ α B δᵀ        │ α A δ
 *   1      1      │ α Bᵀ δᵀ       │ α δᵀ Aᵀ
 *
 * Emitted (a scalar zero C below opset 11, where C is required): each product as one Gemm (transA/transB flags, alpha) without C;
 * ∂C by ReduceSum/Reshape and Mul by β.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { reduceToShapeEmit, scaleEmit } from '../../compile/emit-helpers.js';
import type { EmitContext } from '../../compile/emit.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import { matmul } from '../../tensor/matmul.js';
import { scale, type Tensor } from '../../tensor/tensor.js';

/** ∂L/∂A for Y = op(A)·op(B) (α applied by the caller): the table in the file comment. */
export function gemmGradA(dy: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  return transA ? matmul(b, dy, transB, true) : matmul(dy, b, false, !transB);
}

/** ∂L/∂B for Y = op(A)·op(B) (α applied by the caller): the table in the file comment. */
export function gemmGradB(dy: Tensor, a: Tensor, transA: boolean, transB: boolean): Tensor {
  return transB ? matmul(dy, a, true, transA) : matmul(a, dy, !transA, false);
}

function gemmVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const { attrs } = ctx.node;
  const alpha = attrs.float('alpha', 1);
  const beta = attrs.float('beta', 1);
  const transA = attrs.int('transA', 0) !== 0;
  const transB = attrs.int('transB', 0) !== 0;
  const dy = ctx.gradOutputs[0]!;
  const out: (Tensor | undefined)[] = [undefined, undefined, undefined];
  if (ctx.needs[0]) out[0] = scale(gemmGradA(dy, floatIn(ctx, 1), transA, transB), alpha);
  if (ctx.needs[1]) out[1] = scale(gemmGradB(dy, floatIn(ctx, 0), transA, transB), alpha);
  if (ctx.needs[2]) out[2] = scale(reduceToShape(dy, floatIn(ctx, 2).dims), beta);
  return out;
}

/** op(x)·op(y)·α as one Gemm node (tx, ty the transpose flags); C is optional from opset 11, a scalar 0 before. */
function gemmEmit(ctx: EmitContext, x: string, y: string, tx: boolean, ty: boolean, alpha: number): string {
  const inputs = ctx.opset >= 11 ? [x, y] : [x, y, ctx.floats([0], [])];
  return ctx.op('Gemm', inputs, { transA: tx ? 1 : 0, transB: ty ? 1 : 0, alpha: { float: alpha } });
}

function gemmEmitVjp(ctx: EmitContext): (string | undefined)[] {
  const { attrs } = ctx.node;
  const alpha = attrs.float('alpha', 1);
  const beta = attrs.float('beta', 1);
  const transA = attrs.int('transA', 0) !== 0;
  const transB = attrs.int('transB', 0) !== 0;
  const dy = ctx.gradOutputs[0]!;
  const [a, b, c] = ctx.inputs;
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  if (ctx.needs[0]) out[0] = transA ? gemmEmit(ctx, b!, dy, transB, true, alpha) : gemmEmit(ctx, dy, b!, false, !transB, alpha);
  if (ctx.needs[1]) out[1] = transB ? gemmEmit(ctx, dy, a!, true, transA, alpha) : gemmEmit(ctx, a!, dy, !transA, false, alpha);
  if (ctx.needs[2]) {
    const cDims = ctx.dims(c!);
    out[2] = scaleEmit(ctx, reduceToShapeEmit(ctx, dy, ctx.dims(ctx.outputs[0]!), cDims), beta, cDims);
  }
  return out;
}

export const gemm: GradRule = {
  differentiable: [0, 1, 2],
  saves: { inputs: [0, 1, 2], outputs: [] },
  vjp: gemmVjp,
  emit: gemmEmitVjp,
};
