/**
 * GatherElements (opset 11+): y has the indices' dims (same rank as data, no
 * larger than data off the axis) and y[i] = data[i with its `axis` coordinate
 * replaced by indices[i]] (negative indices count from the end).
 * Differentiable: data (0); indices are not. Saves: data (its dims only) and
 * indices.
 *
 *   ∂L/∂data[p] = Σ_{i : i addresses p} δ[i]
 *
 * a scatter-add along the axis (repeated places accumulate).
 * Emitted: the indices cast to int64 and wrapped, then from opset 16
 * ScatterElements with reduction 'add' onto zeros, before that the one-hot of
 * the indices times δ summed over the axis (scatterAddElementsEmit).
 */
import { InputError } from '../../errors.js';
import { elementOffsets, scatterAddAt, wrapAxis } from '../../tensor/gather.js';
import { sameShape, type Tensor } from '../../tensor/tensor.js';
import { intsIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { scatterAddElementsEmit, wrapIndicesEmit } from '../../compile/emit-indexing.js';
import { savedDims } from './reshape.js';

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const dataDims = savedDims(ctx, 0);
  const indexDims = savedDims(ctx, 1);
  if (!sameShape(dy.dims, indexDims)) {
    throw new InputError(`${where(ctx)}: output gradient [${dy.dims.join(',')}] does not match indices [${indexDims.join(',')}]`);
  }
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), dataDims.length, where(ctx));
  const offsets = elementOffsets(dataDims, indexDims, intsIn(ctx, 1), axis, where(ctx));
  return [scatterAddAt(dy.data, offsets, dataDims)];
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const [data, indices] = ctx.inputs as [string, string];
  const dataDims = ctx.dims(data);
  const indexDims = ctx.dims(indices);
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), dataDims.length, where(ctx));
  const idx = wrapIndicesEmit(ctx, indices, indexDims, dataDims[axis]!);
  return [scatterAddElementsEmit(ctx, ctx.gradOutputs[0]!, idx, indexDims, dataDims, axis)];
}

export const gatherElements: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp,
  emit,
};
