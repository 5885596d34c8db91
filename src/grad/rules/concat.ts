/**
 * Concat: y = x_0 ‖ x_1 ‖ … along `axis` (negative counts from the end).
 * Differentiable: every input. Saves: every input (their dims only: the split
 * points of δ).
 *
 *   ∂L/∂x_k = δ[…, o_k : o_k + d_k, …] along axis, o_k = Σ_{j<k} d_j.
 *
 * Emitted: Split(δ, [d_0, d_1, …], axis).
 */
import { InputError } from '../../errors.js';
import { normalizeAxes } from '../../tensor/broadcast.js';
import { sizeOf, type Tensor } from '../../tensor/tensor.js';
import { everyInput, type GradRule, type RuleContext } from '../rule.js';
import { savedDims } from './reshape.js';
import { stridedCopy } from './slice.js';
import type { EmitContext } from '../../compile/emit.js';
import { splitEmit } from '../../compile/emit-shape-helpers.js';

/** ONNX Concat: the parts joined along `axis` (all other dims equal). */
export function concatAlong(parts: readonly Tensor[], axis: number): Tensor {
  const first = parts[0];
  if (!first) throw new RangeError('concatAlong: no parts');
  const dims = [...first.dims];
  dims[axis] = parts.reduce((s, p) => s + p.dims[axis]!, 0);
  const out: Tensor = { dims, data: new Float32Array(sizeOf(dims)) };
  const ones = dims.map(() => 1);
  const zero = dims.map(() => 0);
  let offset = 0;
  for (const p of parts) {
    if (p.dims.length !== dims.length || p.dims.some((d, a) => a !== axis && d !== dims[a])) {
      throw new RangeError(`concatAlong: part [${p.dims.join(',')}] does not fit [${first.dims.join(',')}] on axis ${axis}`);
    }
    const at = [...zero];
    at[axis] = offset;
    stridedCopy(p, zero, ones, out, at, ones, p.dims);
    offset += p.dims[axis]!;
  }
  return out;
}

/** ONNX Split: consecutive pieces of `sizes[k]` along `axis` (Σ sizes = dims[axis]). */
export function splitAlong(t: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const total = sizes.reduce((s, v) => s + v, 0);
  if (total !== t.dims[axis]) throw new RangeError(`splitAlong: sizes [${sizes.join(',')}] do not add up to dim ${t.dims[axis]} of [${t.dims.join(',')}]`);
  const ones = t.dims.map(() => 1);
  const zero = t.dims.map(() => 0);
  let offset = 0;
  return sizes.map((n) => {
    const dims = [...t.dims];
    dims[axis] = n;
    const part: Tensor = { dims, data: new Float32Array(sizeOf(dims)) };
    const at = [...zero];
    at[axis] = offset;
    stridedCopy(t, at, ones, part, zero, ones, dims);
    offset += n;
    return part;
  });
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const dy = ctx.gradOutputs[0]!;
  const [axis] = normalizeAxes([ctx.node.attrs.int('axis', 0)], dy.dims.length, where) as [number];
  const sizes = ctx.node.inputs.map((v, k) => {
    if (!v) throw new InputError(`${where}: input ${k} is empty`);
    const d = savedDims(ctx, k);
    if (d.length !== dy.dims.length) throw new InputError(`${where}: input ${k} [${d.join(',')}] does not fit the output gradient [${dy.dims.join(',')}]`);
    return d[axis]!;
  });
  const parts = splitAlong(dy, axis, sizes);
  return parts.map((p, k) => (ctx.needs[k] ? p : undefined));
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
  const dyDims = ctx.dims(ctx.outputs[0]!);
  const [axis] = normalizeAxes([ctx.node.attrs.int('axis', 0)], dyDims.length, where) as [number];
  const sizes = ctx.inputs.map((v, k) => {
    if (!v) throw new InputError(`${where}: input ${k} is empty`);
    return ctx.dims(v)[axis]!;
  });
  const parts = splitEmit(ctx, ctx.gradOutputs[0]!, dyDims, axis, sizes);
  return parts.map((p, k) => (ctx.needs[k] ? p : undefined));
}

export const concat: GradRule = {
  differentiable: (node) => node.inputs.map((_, i) => i),
  saves: everyInput,
  vjp,
  emit,
};
