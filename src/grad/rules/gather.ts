/**
 * Gather: y = data indexed along `axis` (default 0, negative counts from the
 * end) by `indices` (int32 or int64, any rank, negative entries counting
 * from the end): with data viewed as [A, N, B] around the axis,
 * y[a, i, b] = data[a, indices[i], b] and y.dims = data.dims[:axis] +
 * indices.dims + data.dims[axis+1:]. Differentiable: data (0); indices are
 * not. Saves: data (its dims only) and indices.
 *
 *   ∂L/∂data[a, n, b] = Σ_{i : indices[i] = n} δ[a, i, b]
 *
 * a scatter-add of δ at the indices (repeated indices accumulate).
 * Emitted: the indices cast to int64 and wrapped into [0, N), δ reshaped to
 * [A, m, B], then from opset 16 ScatterND with reduction 'add' onto zeros, and
 * before that a MatMul of the one-hot of the indices ([N, m], Equal and Cast)
 * with δ; Reshape to data's dims.
 */
import { InputError } from '../../errors.js';
import { axisRowIndex, scatterAddRows, wrapAxis } from '../../tensor/gather.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { scatterAddRowsEmit, wrapIndicesEmit } from '../../compile/emit-indexing.js';
import { savedDims } from './reshape.js';

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const dataDims = savedDims(ctx, 0);
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), dataDims.length, where(ctx));
  const ix = axisRowIndex(dataDims, axis, intsIn(ctx, 1), where(ctx));
  if (dy.data.length !== ix.B * ix.m * ix.S) {
    throw new InputError(`${where(ctx)}: output gradient [${dy.dims.join(',')}] does not fit data [${dataDims.join(',')}] and ${ix.m} indices`);
  }
  return [{ dims: dataDims, data: scatterAddRows(dy.data, ix) }];
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const [data, indices] = ctx.inputs as [string, string];
  const dataDims = ctx.dims(data);
  const indexDims = ctx.dims(indices);
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), dataDims.length, where(ctx));
  const B = sizeOf(dataDims.slice(0, axis));
  const N = dataDims[axis]!;
  const S = sizeOf(dataDims.slice(axis + 1));
  const m = sizeOf(indexDims);
  const rows = reshapeEmit(ctx, wrapIndicesEmit(ctx, indices, indexDims, N), indexDims, [m]);
  const dy = reshapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), [B, m, S]);
  return [reshapeEmit(ctx, scatterAddRowsEmit(ctx, dy, rows, B, N, S, m, true), [B, N, S], dataDims)];
}

export const gather: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp,
  emit,
};
