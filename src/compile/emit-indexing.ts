/**
 * Building blocks for the gather/scatter emitters, the ONNX-node forms of
 * src/tensor/gather.ts: indices cast to int64 and wrapped into [0, n), index
 * tuples flattened to rows, and the scatter-add of rows that every gather
 * gradient needs. Repeated indices must accumulate at every opset: from
 * opset 16 ScatterND/ScatterElements take reduction = 'add'; before that the
 * sum is a MatMul (rows) or a Mul and ReduceSum (elements) against a one-hot
 * of the indices built with Equal and Cast. Every helper records the dims of
 * what it creates (ctx.setDims).
 */
import { DataType } from '../onnx/dtypes.js';
import { stridesOf } from '../tensor/tensor.js';
import type { EmitContext } from './emit.js';
import { reduceSumEmit, reshapeEmit, transposeEmit } from './emit-helpers.js';
import { cropPadEmit, indexRangeEmit, zerosEmit } from './emit-shape-helpers.js';

function record(ctx: EmitContext, name: string, dims: readonly number[]): string {
  ctx.setDims(name, dims);
  return name;
}

/**
 * Indices (int32 or int64) as int64 in [0, n): negative entries get n added
 * (Less, Add, Where). `n` is one size for every entry, or one per entry of
 * the last axis (index tuples). Before opset 9 (no Where) they pass through
 * cast only: ops of those opsets take no negative indices.
 */
export function wrapIndicesEmit(ctx: EmitContext, idx: string, dims: readonly number[], n: number | readonly number[]): string {
  const i64 = record(ctx, ctx.op('Cast', [idx], { to: DataType.INT64 }), dims);
  if (ctx.opset < 9) return i64;
  const size = typeof n === 'number' ? ctx.ints([n], []) : ctx.ints(n, [n.length]);
  const negative = record(ctx, ctx.op('Less', [i64, ctx.ints([0], [])]), dims);
  const shifted = record(ctx, ctx.op('Add', [i64, size]), dims);
  return record(ctx, ctx.op('Where', [negative, shifted, i64]), dims);
}

/**
 * Wrapped index tuples idx [..., k] into axes of sizes `tupleDims` (k of
 * them) as the row of the flattened axes (row-major): Σ_c idx[..., c]·stride_c,
 * shaped [...] (a Mul by the strides and a ReduceSum over the last axis).
 */
export function flatRowsEmit(ctx: EmitContext, idx: string, dims: readonly number[], tupleDims: readonly number[]): string {
  const lead = dims.slice(0, -1);
  if (tupleDims.length === 1) return reshapeEmit(ctx, idx, dims, lead);
  const weighted = record(ctx, ctx.op('Mul', [idx, ctx.ints(stridesOf(tupleDims), [tupleDims.length])]), dims);
  return reduceSumEmit(ctx, weighted, dims, [dims.length - 1], false);
}

/**
 * scatterAddRows as ONNX nodes: v [B, m, S] added into zeros [B, N, S] at
 * rows `rows` (int64 in [0, N); [m] when shared by every batch, else [B, m]),
 * repeated rows accumulating. From opset 16 one ScatterND with reduction
 * 'add' on the [B·N, S] rows (each index offset by b·N); before, the one-hot
 * O[b, n, j] = (rows[b, j] = n) (Equal, Cast) and the batched MatMul O · v.
 */
export function scatterAddRowsEmit(
  ctx: EmitContext, v: string, rows: string, B: number, N: number, S: number, m: number, shared: boolean,
): string {
  if (ctx.opset >= 16) {
    let global = rows;
    if (B > 1) {
      const base = ctx.ints(Array.from({ length: B }, (_, b) => b * N), [B, 1]);
      global = record(ctx, ctx.op('Add', [reshapeEmit(ctx, rows, shared ? [m] : [B, m], shared ? [1, m] : [B, m]), base]), [B, m]);
    }
    const at = reshapeEmit(ctx, global, B > 1 ? [B, m] : shared ? [m] : [B, m], [B * m, 1]);
    const updates = reshapeEmit(ctx, v, [B, m, S], [B * m, S]);
    const zeros = zerosEmit(ctx, [B * N, S]);
    const sum = record(ctx, ctx.op('ScatterND', [zeros, at, updates], { reduction: 'add' }), [B * N, S]);
    return reshapeEmit(ctx, sum, [B * N, S], [B, N, S]);
  }
  const Bi = shared ? 1 : B;
  const positions = reshapeEmit(ctx, indexRangeEmit(ctx, N), [N], [N, 1]);
  const picked = reshapeEmit(ctx, rows, shared ? [m] : [B, m], [Bi, 1, m]);
  const hit = record(ctx, ctx.op('Equal', [picked, positions]), [Bi, N, m]);
  const oneHot = record(ctx, ctx.op('Cast', [hit], { to: DataType.FLOAT }), [Bi, N, m]);
  const o = shared ? reshapeEmit(ctx, oneHot, [1, N, m], [N, m]) : oneHot;
  return record(ctx, ctx.op('MatMul', [o, v]), [B, N, S]);
}

/**
 * scatterAddAt for GatherElements addressing as ONNX nodes: zeros(dataDims)
 * with v [indexDims] added, along `axis`, at the wrapped int64 indices idx
 * [indexDims] (repeated places accumulate). From opset 16 one ScatterElements
 * with reduction 'add'; before, the one-hot O[i, n] = (idx[i] = n) [indexDims, N]
 * times v, summed over the axis (ReduceSum), the new N axis moved into the
 * axis' place (Transpose, Reshape) and zero-padded on the other axes up to
 * dataDims.
 */
export function scatterAddElementsEmit(
  ctx: EmitContext, v: string, idx: string, indexDims: readonly number[], dataDims: readonly number[], axis: number,
): string {
  if (ctx.opset >= 16) {
    return record(ctx, ctx.op('ScatterElements', [zerosEmit(ctx, dataDims), idx, v], { axis, reduction: 'add' }), dataDims);
  }
  const r = indexDims.length;
  const N = dataDims[axis]!;
  const wide = [...indexDims, 1];
  const oneHotDims = [...indexDims, N];
  const hit = record(ctx, ctx.op('Equal', [reshapeEmit(ctx, idx, indexDims, wide), indexRangeEmit(ctx, N)]), oneHotDims);
  const oneHot = record(ctx, ctx.op('Cast', [hit], { to: DataType.FLOAT }), oneHotDims);
  const spread = record(ctx, ctx.op('Mul', [oneHot, reshapeEmit(ctx, v, indexDims, wide)]), oneHotDims);
  const summed = reduceSumEmit(ctx, spread, oneHotDims, [axis], true);
  const summedDims = oneHotDims.map((d, a) => (a === axis ? 1 : d));
  const perm = oneHotDims.map((_, a) => (a === axis ? r : a === r ? axis : a));
  const moved = transposeEmit(ctx, summed, summedDims, perm);
  const placed = indexDims.map((d, a) => (a === axis ? N : d));
  const back = reshapeEmit(ctx, moved, perm.map((p) => summedDims[p]!), placed);
  return cropPadEmit(ctx, back, placed, placed.map(() => 0), placed.map((d, a) => dataDims[a]! - d));
}

/**
 * othersProduct as ONNX nodes, for values v [vDims] written to places keyed
 * by `keys` [keyDims] (int64, broadcastable to vDims), partners sharing a
 * place lying along `axis` (every other coordinate equal): per element,
 * Π over the other positions p' on the axis with the same key of v at p'.
 * The pairwise mask (Equal of keys against keys moved to a new last axis,
 * And Not of the diagonal), Where with 1 elsewhere, ReduceProd over the new axis.
 */
export function othersProductEmit(
  ctx: EmitContext, v: string, vDims: readonly number[], keys: string, keyDims: readonly number[], axis: number,
): string {
  const r = vDims.length;
  const m = vDims[axis]!;
  const toEnd = (name: string, dims: readonly number[]): [string, number[]] => {
    const perm = [...dims.map((_, a) => a).filter((a) => a !== axis), axis];
    const moved = transposeEmit(ctx, name, dims, perm);
    const out = [...dims.map((d, a) => (a === axis ? 1 : d)), dims[axis]!];
    return [reshapeEmit(ctx, moved, perm.map((p) => dims[p]!), out), out];
  };
  const pairDims = [...keyDims, m];
  const [keysB] = toEnd(keys, keyDims);
  const same = record(ctx, ctx.op('Equal', [reshapeEmit(ctx, keys, keyDims, [...keyDims, 1]), keysB]), pairDims);
  const range = indexRangeEmit(ctx, m);
  const here = reshapeEmit(ctx, range, [m], [...vDims.map((_, a) => (a === axis ? m : 1)), 1]);
  const there = reshapeEmit(ctx, range, [m], [...vDims.map(() => 1), m]);
  const self = record(ctx, ctx.op('Equal', [here, there]), [...vDims.map((_, a) => (a === axis ? m : 1)), m]);
  const other = record(ctx, ctx.op('And', [same, record(ctx, ctx.op('Not', [self]), [...vDims.map((_, a) => (a === axis ? m : 1)), m])]), pairDims);
  const [vB] = toEnd(v, vDims);
  const wide = [...vDims, m];
  const partners = record(ctx, ctx.op('Where', [other, vB, ctx.floats([1], [])]), wide);
  const prod = ctx.opset >= 18
    ? ctx.op('ReduceProd', [partners, ctx.ints([r])], { keepdims: 0 })
    : ctx.op('ReduceProd', [partners], { axes: [r], keepdims: 0 });
  return record(ctx, prod, vDims);
}
