/**
 * MatMul (numpy matmul): Y = A·B over the last two axes, leading (batch) axes
 * broadcast; a 1-D A is read as [1,K] and a 1-D B as [K,1], the inserted axis
 * dropped from Y.
 *
 * Differentiable: A, B. Saved: A and B (each one's gradient reads the other,
 * and both give the shapes to reduce to). With A, B and δ promoted to the
 * rank-≥2 forms above,
 *
 *   ∂A = reduceToShape(δ · Bᵀ, A.dims),   ∂B = reduceToShape(Aᵀ · δ, B.dims),
 *
 * where ᵀ swaps the last two axes and reduceToShape sums over the batch axes
 * an operand was broadcast along; the results take the operands' own shapes.
 * Emitted: Reshape to the promoted forms, Transpose of the last two axes,
 * MatMul, ReduceSum over the broadcast axes and Reshape to the operand's dims.
 */
import { floatIn, type GradRule, type RuleContext } from '../rule.js';
import { matMulEmit, reduceToShapeEmit, reshapeEmit, swapLastDims, swapLastEmit } from '../../compile/emit-helpers.js';
import type { EmitContext } from '../../compile/emit.js';
import { reduceToShape } from '../../tensor/broadcast.js';
import { batchedMatmul } from '../../tensor/matmul.js';
import { reshape, type Tensor } from '../../tensor/tensor.js';
import { transpose } from '../../tensor/transpose.js';

/** Swap the last two axes (rank ≥ 2). */
function swapLast(x: Tensor): Tensor {
  const r = x.dims.length;
  const perm = x.dims.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  return transpose(x, perm);
}

/** The rank-≥2 form numpy matmul reads a 1-D operand as: [1,K] on the left, [K,1] on the right. */
function promote(t: Tensor, side: 'left' | 'right'): Tensor {
  if (t.dims.length !== 1) return t;
  return reshape(t, side === 'left' ? [1, t.dims[0]!] : [t.dims[0]!, 1]);
}

/** δ with the axes a 1-D operand removed put back, so that it is batch + [M, N]. */
function promoteGrad(dy: Tensor, a: Tensor, b: Tensor): Tensor {
  const dims = [...dy.dims];
  if (b.dims.length === 1) dims.push(1);
  if (a.dims.length === 1) dims.splice(dims.length - 1, 0, 1);
  return reshape(dy, dims);
}

function matMulVjp(ctx: RuleContext): (Tensor | undefined)[] {
  const a = floatIn(ctx, 0);
  const b = floatIn(ctx, 1);
  const dy = promoteGrad(ctx.gradOutputs[0]!, a, b);
  const a2 = promote(a, 'left');
  const b2 = promote(b, 'right');
  const out: (Tensor | undefined)[] = [undefined, undefined];
  if (ctx.needs[0]) out[0] = reshape(reduceToShape(batchedMatmul(dy, swapLast(b2)), a2.dims), a.dims);
  if (ctx.needs[1]) out[1] = reshape(reduceToShape(batchedMatmul(swapLast(a2), dy), b2.dims), b.dims);
  return out;
}

/** The promoted dims of promote(): [1,K] for a 1-D left operand, [K,1] for a 1-D right one. */
function promotedDims(dims: readonly number[], side: 'left' | 'right'): number[] {
  if (dims.length !== 1) return [...dims];
  return side === 'left' ? [1, dims[0]!] : [dims[0]!, 1];
}

/** The dims of promoteGrad(): δ's dims with the axes a 1-D operand removed put back. */
function promotedGradDims(dyDims: readonly number[], aDims: readonly number[], bDims: readonly number[]): number[] {
  const dims = [...dyDims];
  if (bDims.length === 1) dims.push(1);
  if (aDims.length === 1) dims.splice(dims.length - 1, 0, 1);
  return dims;
}

function matMulEmitVjp(ctx: EmitContext): (string | undefined)[] {
  const [a, b] = ctx.inputs as [string, string];
  const aDims = ctx.dims(a);
  const bDims = ctx.dims(b);
  const dyDims = promotedGradDims(ctx.dims(ctx.outputs[0]!), aDims, bDims);
  const dy = reshapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), dyDims);
  const a2Dims = promotedDims(aDims, 'left');
  const b2Dims = promotedDims(bDims, 'right');
  const out: (string | undefined)[] = [undefined, undefined];
  if (ctx.needs[0]) {
    const b2 = reshapeEmit(ctx, b, bDims, b2Dims);
    const [p, pDims] = matMulEmit(ctx, dy, dyDims, swapLastEmit(ctx, b2, b2Dims), swapLastDims(b2Dims));
    out[0] = reduceToShapeEmit(ctx, p, pDims, a2Dims, aDims);
  }
  if (ctx.needs[1]) {
    const a2 = reshapeEmit(ctx, a, aDims, a2Dims);
    const [q, qDims] = matMulEmit(ctx, swapLastEmit(ctx, a2, a2Dims), swapLastDims(a2Dims), dy, dyDims);
    out[1] = reduceToShapeEmit(ctx, q, qDims, b2Dims, bDims);
  }
  return out;
}

export const matMul: GradRule = {
  differentiable: [0, 1],
  saves: { inputs: [0, 1], outputs: [] },
  vjp: matMulVjp,
  emit: matMulEmitVjp,
};
