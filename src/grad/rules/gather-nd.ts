/**
 * GatherND (opset 11+; batch_dims from 12): indices [batch (b axes), q...,
 * k] hold index tuples into the k axes of data after its b batch axes
 * (negative entries count from the end); each picks the slice of data's
 * remaining axes: y[β, j, s] = data[β, indices[β, j], s], y.dims =
 * indices.dims[:-1] + data.dims[b+k:]. Differentiable: data (0); indices are
 * not. Saves: data (its dims only) and indices.
 *
 *   ∂L/∂data[β, t, s] = Σ_{j : indices[β, j] = t} δ[β, j, s]
 *
 * a scatter-add of δ's slices (repeated tuples accumulate).
 * Emitted: the tuples cast to int64, wrapped per component and flattened to
 * a row of the k axes (Mul by the strides, ReduceSum), δ reshaped to
 * [B, m, S], then from opset 16 ScatterND with reduction 'add' onto zeros
 * (rows offset by their batch), before that a batched MatMul of the one-hot of
 * the rows with δ; Reshape to data's dims.
 */
import { InputError } from '../../errors.js';
import { ndRowIndex, scatterAddRows } from '../../tensor/gather.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { flatRowsEmit, scatterAddRowsEmit, wrapIndicesEmit } from '../../compile/emit-indexing.js';
import { savedDims } from './reshape.js';

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const dataDims = savedDims(ctx, 0);
  const ix = ndRowIndex(dataDims, savedDims(ctx, 1), intsIn(ctx, 1), ctx.node.attrs.int('batch_dims', 0), where(ctx));
  if (dy.data.length !== ix.B * ix.m * ix.S) {
    throw new InputError(`${where(ctx)}: output gradient [${dy.dims.join(',')}] does not fit data [${dataDims.join(',')}]`);
  }
  return [{ dims: dataDims, data: scatterAddRows(dy.data, ix) }];
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const [data, indices] = ctx.inputs as [string, string];
  const dataDims = ctx.dims(data);
  const indexDims = ctx.dims(indices);
  const b = ctx.node.attrs.int('batch_dims', 0);
  const k = indexDims[indexDims.length - 1]!;
  const tupleDims = dataDims.slice(b, b + k);
  const B = sizeOf(dataDims.slice(0, b));
  const N = sizeOf(tupleDims);
  const S = sizeOf(dataDims.slice(b + k));
  const m = sizeOf(indexDims.slice(b, -1));
  const wrapped = wrapIndicesEmit(ctx, indices, indexDims, tupleDims);
  const rows = reshapeEmit(ctx, flatRowsEmit(ctx, wrapped, indexDims, tupleDims), indexDims.slice(0, -1), [B, m]);
  const dy = reshapeEmit(ctx, ctx.gradOutputs[0]!, ctx.dims(ctx.outputs[0]!), [B, m, S]);
  return [reshapeEmit(ctx, scatterAddRowsEmit(ctx, dy, rows, B, N, S, m, false), [B, N, S], dataDims)];
}

export const gatherNd: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp,
  emit,
};
