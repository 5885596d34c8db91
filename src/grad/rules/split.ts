/**
 * Split: x cut into consecutive pieces along `axis` (negative counts from the
 * end). Piece sizes come from `split` (input 1 from opset 13, an attribute
 * before), else from num_outputs (opset 18) or the number of outputs: pieces
 * of ⌈d/n⌉, the last one taking the rest. Differentiable: input (0); split is
 * not. Saves: input (its dims only) and split.
 *
 *   ∂L/∂x = δ_0 ‖ δ_1 ‖ … along axis, a zero piece for every output that no
 *   gradient reaches.
 *
 * Emitted: Concat of the output gradients along axis, Expand of a zero for
 * the missing ones.
 */
import { InputError } from '../../errors.js';
import { normalizeAxes } from '../../tensor/broadcast.js';
import { zeros, type Tensor } from '../../tensor/tensor.js';
import type { GradRule, RuleContext } from '../rule.js';
import { concatAlong } from './concat.js';
import { optionalIntsIn, savedDims } from './reshape.js';
import type { EmitContext } from '../../compile/emit.js';
import { concatEmit, zerosEmit } from '../../compile/emit-shape-helpers.js';

function pieceSizes(ctx: RuleContext, dim: number): number[] {
  const split = ctx.opset >= 13 ? optionalIntsIn(ctx, 1) : ctx.node.attrs.has('split') ? ctx.node.attrs.ints('split', []) : undefined;
  if (split) return split;
  const n = ctx.node.attrs.int('num_outputs', ctx.node.outputs.length);
  const chunk = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => (i < n - 1 ? chunk : dim - chunk * (n - 1)));
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const xDims = savedDims(ctx, 0);
  const [axis] = normalizeAxes([ctx.node.attrs.int('axis', 0)], xDims.length, where) as [number];
  const sizes = pieceSizes(ctx, xDims[axis]!);
  if (sizes.length !== ctx.node.outputs.length || sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== xDims[axis]) {
    throw new InputError(`${where}: split [${sizes.join(',')}] does not cut dim ${xDims[axis]} into ${ctx.node.outputs.length} outputs`);
  }
  const parts = sizes.map((n, i) => {
    const dims = [...xDims];
    dims[axis] = n;
    const g = ctx.gradOutputs[i];
    if (g && g.dims.some((d, a) => d !== dims[a])) {
      throw new InputError(`${where}: gradient of output ${i} [${g.dims.join(',')}] does not match [${dims.join(',')}]`);
    }
    return g ?? zeros(dims);
  });
  return [concatAlong(parts, axis)];
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const xDims = ctx.dims(ctx.inputs[0]!);
  const [axis] = normalizeAxes([ctx.node.attrs.int('axis', 0)], xDims.length, where) as [number];
  const dims = ctx.outputs.map((o) => ctx.dims(o));
  const parts = dims.map((d, i) => ctx.gradOutputs[i] ?? zerosEmit(ctx, d));
  return [concatEmit(ctx, parts, dims, axis)];
}

export const split: GradRule = {
  differentiable: [0],
  saves: { inputs: [0, 1], outputs: [] },
  vjp,
  emit,
};
