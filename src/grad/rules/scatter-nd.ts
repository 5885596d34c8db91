/**
 * ScatterND (opset 11+; reduction from 16): y = data with the slices that
 * index tuples (indices [q..., k], into data's first k axes, negative
 * entries counting from the end) pick replaced by updates [q..., data.dims[k:]]
 * (reduction 'none'), or combined with them ('add': summed in, 'mul':
 * multiplied in, repeated tuples applying each in turn). With rows of data
 * as [N, S] (N = the first k axes flattened) and row t_j picked by tuple j:
 *
 *   none: ∂L/∂data = δ with the picked rows zeroed,  ∂L/∂updates_j = δ[t_j]
 *   add:  ∂L/∂data = δ,                             ∂L/∂updates_j = δ[t_j]
 *   mul:  ∂L/∂data = δ ∘ P,                         ∂L/∂updates_j = δ[t_j] ∘ data[t_j] ∘ Π_{j' ≠ j, t_j' = t_j} updates_j'
 *
 * where P = data's rows times every update written to them (ones elsewhere).
 * Differentiable: data (0) and updates (2); indices are not. Saves: indices
 * (δ has data's dims), and data and updates for 'mul'. Reductions 'max' and
 * 'min' (opset 18) are not supported.
 * Emitted: indices cast to int64 and wrapped; none: ScatterND(δ, indices,
 * zeros) and GatherND(δ, indices); add: δ and GatherND; mul: ScatterND with
 * reduction 'mul' onto ones, GatherND of δ ∘ data and the product of the
 * other updates at each place (othersProductEmit).
 */
import { InputError, UnsupportedError } from '../../errors.js';
import type { NodeView } from '../../graph/graph.js';
import { gatherRows, ndRowIndex, othersProduct, type RowIndex } from '../../tensor/gather.js';
import { sameShape, sizeOf, type Tensor } from '../../tensor/tensor.js';
import { floatIn, intsIn, type GradRule, type RuleContext } from '../rule.js';
import type { EmitContext } from '../../compile/emit.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { flatRowsEmit, othersProductEmit, wrapIndicesEmit } from '../../compile/emit-indexing.js';
import { zerosEmit } from '../../compile/emit-shape-helpers.js';
import { savedDims } from './reshape.js';

export type ScatterReduction = 'none' | 'add' | 'mul';

/** The node's reduction attribute (opset 16+; 'none' before); 'max' and 'min' throw UnsupportedError. */
export function scatterReduction(node: NodeView): ScatterReduction {
  const r = node.attrs.string('reduction', 'none');
  if (r === 'none' || r === 'add' || r === 'mul') return r;
  throw new UnsupportedError(`node '${node.name}' (${node.opType}): reduction '${r}' has no gradient rule (supported: none, add, mul)`);
}

function where(ctx: { node: { name: string; opType: string } }): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

/** ∏ of the updates written to each row of ones [N·S] (the factor 'mul' applies to data). */
function rowProducts(updates: Float32Array, ix: RowIndex): Float32Array {
  const { N, S, m } = ix;
  const out = new Float32Array(N * S).fill(1);
  for (let j = 0; j < m; j++) {
    const dst = ix.rows[j]! * S;
    for (let s = 0; s < S; s++) out[dst + s]! *= updates[j * S + s]!;
  }
  return out;
}

function vjp(ctx: RuleContext): (Tensor | undefined)[] {
  const dy = ctx.gradOutputs[0]!;
  const D = dy.dims;
  const indexDims = savedDims(ctx, 1);
  const reduction = scatterReduction(ctx.node);
  const ix = ndRowIndex(D, indexDims, intsIn(ctx, 1), 0, where(ctx));
  const k = indexDims[indexDims.length - 1]!;
  const updDims = [...indexDims.slice(0, -1), ...D.slice(k)];
  const { S, m } = ix;
  const out: (Tensor | undefined)[] = [undefined, undefined, undefined];
  if (reduction === 'mul') {
    const data = floatIn(ctx, 0);
    const updates = floatIn(ctx, 2);
    if (!sameShape(updates.dims, updDims)) throw new InputError(`${where(ctx)}: updates [${updates.dims.join(',')}] do not fit [${updDims.join(',')}]`);
    if (ctx.needs[0]) {
      const p = rowProducts(updates.data, ix);
      out[0] = { dims: D, data: Float32Array.from(dy.data, (g, i) => g * p[i]!) };
    }
    if (ctx.needs[2]) {
      const picked = gatherRows(Float32Array.from(dy.data, (g, i) => g * data.data[i]!), ix);
      const others = othersProduct(updates.data, ix.rows, S);
      out[2] = { dims: updDims, data: picked.map((v, i) => v * others[i]!) };
    }
    return out;
  }
  if (ctx.needs[0]) {
    if (reduction === 'add') out[0] = dy;
    else {
      const dx = Float32Array.from(dy.data);
      for (let j = 0; j < m; j++) dx.fill(0, ix.rows[j]! * S, (ix.rows[j]! + 1) * S);
      out[0] = { dims: D, data: dx };
    }
  }
  if (ctx.needs[2]) out[2] = { dims: updDims, data: gatherRows(dy.data, ix) };
  return out;
}

function emit(ctx: EmitContext): (string | undefined)[] {
  const [data, indices, updates] = ctx.inputs as [string, string, string];
  const dy = ctx.gradOutputs[0]!;
  const D = ctx.dims(data);
  const indexDims = ctx.dims(indices);
  const updDims = ctx.dims(updates);
  const reduction = scatterReduction(ctx.node);
  const k = indexDims[indexDims.length - 1]!;
  const idx = wrapIndicesEmit(ctx, indices, indexDims, D.slice(0, k));
  const gathered = (x: string) => {
    const y = ctx.op('GatherND', [x, idx]);
    ctx.setDims(y, updDims);
    return y;
  };
  const out: (string | undefined)[] = [undefined, undefined, undefined];
  if (reduction === 'mul') {
    if (ctx.needs[0]) {
      const ones = ctx.op('Expand', [ctx.floats([1], []), ctx.ints(D)]);
      ctx.setDims(ones, D);
      const p = ctx.op('ScatterND', [ones, idx, updates], { reduction: 'mul' });
      ctx.setDims(p, D);
      out[0] = ctx.op('Mul', [dy, p]);
      ctx.setDims(out[0], D);
    }
    if (ctx.needs[2]) {
      const m = sizeOf(indexDims.slice(0, -1));
      const S = sizeOf(D.slice(k));
      const scaled = ctx.op('Mul', [dy, data]);
      ctx.setDims(scaled, D);
      const rows = reshapeEmit(ctx, flatRowsEmit(ctx, idx, indexDims, D.slice(0, k)), indexDims.slice(0, -1), [m, 1]);
      const others = othersProductEmit(ctx, reshapeEmit(ctx, updates, updDims, [m, S]), [m, S], rows, [m, 1], 0);
      out[2] = ctx.op('Mul', [gathered(scaled), reshapeEmit(ctx, others, [m, S], updDims)]);
      ctx.setDims(out[2], updDims);
    }
    return out;
  }
  if (ctx.needs[0]) {
    if (reduction === 'add') out[0] = dy;
    else {
      out[0] = ctx.op('ScatterND', [dy, idx, zerosEmit(ctx, updDims)]);
      ctx.setDims(out[0], D);
    }
  }
  if (ctx.needs[2]) out[2] = gathered(dy);
  return out;
}

export const scatterNd: GradRule = {
  differentiable: [0, 2],
  saves: (node) => ({ inputs: scatterReduction(node) === 'mul' ? [0, 1, 2] : [1], outputs: [] }),
  vjp,
  emit,
};
