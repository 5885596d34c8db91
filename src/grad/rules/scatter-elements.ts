/**
 * ScatterElements (opset 11+; reduction from 16): y = data with the element
 * at each index position i of `indices` (same rank as data, no larger off
 * the axis; entries along `axis`, negative counting from the end) replaced
 * by updates[i] (reduction 'none'), or combined with it ('add', 'mul';
 * repeated places apply each in turn). With p_i the place i writes:
 *
 *   none: ∂L/∂data = δ with every p_i zeroed,  ∂L/∂updates_i = δ[p_i]
 *   add:  ∂L/∂data = δ,                        ∂L/∂updates_i = δ[p_i]
 *   mul:  ∂L/∂data = δ ∘ P,                    ∂L/∂updates_i = δ[p_i] ∘ data[p_i] ∘ Π_{i' ≠ i, p_i' = p_i} updates_i'
 *
 * where P = ones with every update multiplied in at its place.
 * Differentiable: data (0) and updates (2); indices are not. Saves: indices,
 * and data and updates for 'mul'. Reductions 'max' and 'min' (opset 18) are
 * not supported.
 * Emitted: indices cast to int64 and wrapped; none: ScatterElements(δ,
 * indices, zeros) and GatherElements(δ, indices); add: δ and GatherElements;
 * mul: ScatterElements with reduction 'mul' onto ones, GatherElements of
 * δ ∘ data and the product of the other updates at each place along the axis
 * (othersProductEmit).
 */
import { InputError } from '../../errors.js';
import { elementOffsets, gatherAt, othersProduct, wrapAxis } from '../../tensor/gather.js';
import { sameShape, type Tensor } from '../../tensor/tensor.js';
import { floatIn, intsIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { othersProductEmit, wrapIndicesEmit } from '../../compile/emit-indexing.js';
import { zerosEmit } from '../../compile/emit-shape-helpers.js';
import { savedDims } from './reshape.js';
import { scatterReduction } from './scatter-nd.js';

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const D = dy.dims;
  const indexDims = savedDims(ctx, 1);
  const reduction = scatterReduction(ctx.node);
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), D.length, where(ctx));
  const offsets = elementOffsets(D, indexDims, intsIn(ctx, 1), axis, where(ctx));
  const out: (Tensor | undefined)[] = [undefined, undefined, undefined];
  if (reduction === 'mul') {
    const data = floatIn(ctx, 0);
    const updates = floatIn(ctx, 2);
    if (!sameShape(updates.dims, indexDims)) throw new InputError(`${where(ctx)}: updates [${updates.dims.join(',')}] do not match indices [${indexDims.join(',')}]`);
    if (ctx.needs[0]) {
      const p = new Float32Array(dy.data.length).fill(1);
      offsets.forEach((o, i) => { p[o]! *= updates.data[i]!; });
      out[0] = { dims: D, data: Float32Array.from(dy.data, (g, i) => g * p[i]!) };
    }
    if (ctx.needs[2]) {
      const picked = gatherAt(Float32Array.from(dy.data, (g, i) => g * data.data[i]!), offsets, indexDims);
      const others = othersProduct(updates.data, offsets);
      out[2] = { dims: indexDims, data: picked.data.map((v, i) => v * others[i]!) };
    }
    return out;
  }
  if (ctx.needs[0]) {
    if (reduction === 'add') out[0] = dy;
    else {
      const dx = Float32Array.from(dy.data);
      for (const o of offsets) dx[o] = 0;
      out[0] = { dims: D, data: dx };
    }
  }
  if (ctx.needs[2]) out[2] = gatherAt(dy.data, offsets, indexDims);
  return out;
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const [data, indices, updates] = ctx.inputs as [string, string, string];
  const dy = ctx.gradOutputs[0]!;
  const D = ctx.dims(data);
  const indexDims = ctx.dims(indices);
  const reduction = scatterReduction(ctx.node);
  const axis = wrapAxis(ctx.node.attrs.int('axis', 0), D.length, where(ctx));
  const idx = wrapIndicesEmit(ctx, indices, indexDims, D[axis]!);
  const gathered = (x: string) => {
    const y = ctx.op('GatherElements', [x, idx], { axis });
    ctx.setDims(y, indexDims);
    return y;
  };
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  if (reduction === 'mul') {
    if (ctx.needs[0]) {
      const ones = ctx.op('Expand', [ctx.floats([1], []), ctx.ints(D)]);
      ctx.setDims(ones, D);
      const p = ctx.op('ScatterElements', [ones, idx, updates], { axis, reduction: 'mul' });
      ctx.setDims(p, D);
      out[0] = ctx.op('Mul', [dy, p]);
      ctx.setDims(out[0], D);
    }
    if (ctx.needs[2]) {
      const scaled = ctx.op('Mul', [dy, data]);
      ctx.setDims(scaled, D);
      const others = othersProductEmit(ctx, updates, indexDims, idx, indexDims, axis);
      out[2] = ctx.op('Mul', [gathered(scaled), others]);
      ctx.setDims(out[2], indexDims);
    }
    return out;
  }
  if (ctx.needs[0]) {
    if (reduction === 'add') out[0] = dy;
    else {
      out[0] = ctx.op('ScatterElements', [dy, idx, zerosEmit(ctx, indexDims)], { axis });
      ctx.setDims(out[0], D);
    }
  }
  if (ctx.needs[2]) out[2] = gathered(dy);
  return out;
}

export const scatterElements: GradRule = {
  differentiable: [0, 2],
  saves: (node) => ({ inputs: scatterReduction(node) === 'mul' ? [0, 1, 2] : [1], outputs: [] }),
  vjp,
  emit,
};
