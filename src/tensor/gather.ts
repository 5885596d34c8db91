/**
 * Index arithmetic and kernels of the gather/scatter family. Every such op
 * reads or writes whole rows: data is viewed as [B, N, S] (batch, indexed
 * axis, trailing slice) and an index list picks, for each batch b and each of
 * m positions, one row n of N. Gather, GatherND and ScatterND all take this
 * form; GatherElements and ScatterElements address single elements, given as
 * flat offsets into data.
 */
import { InputError } from '../errors.js';
import { sizeOf, stridesOf, type Tensor } from './tensor.js';

/** An index in [−n, n) as its position in [0, n) (negative indices count from the end). */
export function wrapIndex(v: number, n: number, where: string): number {
  if (!Number.isInteger(v) || v < -n || v >= n) throw new InputError(`${where}: index ${v} is out of range for an axis of size ${n}`);
  return v < 0 ? v + n : v;
}

/** An axis attribute in [−rank, rank) as a position in [0, rank). */
export function wrapAxis(axis: number, rank: number, where: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new InputError(`${where}: axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

/**
 * Rows picked by an index list: data is [B, N, S] and row b·m + j of the
 * result is data row (b, rows[bi·m + j]), where bi = b when the indices have
 * one list per batch (shared = false) and 0 when every batch shares one list.
 */
export interface RowIndex {
  B: number;
  N: number;
  S: number;
  m: number;
  /** row indices in [0, N): m of them when shared, B·m otherwise */
  rows: Int32Array;
  shared: boolean;
}

/** Gather along `axis`: data [..., N, ...], indices of any shape (m entries), one list shared by every batch. */
export function axisRowIndex(dataDims: readonly number[], axis: number, indices: readonly number[], where: string): RowIndex {
  const N = dataDims[axis]!;
  return {
    B: sizeOf(dataDims.slice(0, axis)),
    N,
    S: sizeOf(dataDims.slice(axis + 1)),
    m: indices.length,
    rows: Int32Array.from(indices, (v) => wrapIndex(v, N, where)),
    shared: true,
  };
}

/**
 * GatherND/ScatterND index tuples: data [batch (b axes), K (k axes), rest],
 * indices [batch, q..., k]; each tuple picks the row of the flattened K axes
 * (row-major), one list per batch.
 */
export function ndRowIndex(
  dataDims: readonly number[], indexDims: readonly number[], indices: readonly number[], batchDims: number, where: string,
): RowIndex {
  const k = indexDims[indexDims.length - 1]!;
  const b = batchDims;
  if (indexDims.length < 1 || b < 0 || b >= Math.min(indexDims.length, dataDims.length) || k < 1 || k > dataDims.length - b) {
    throw new InputError(`${where}: indices [${indexDims.join(',')}] with batch_dims ${b} do not fit data [${dataDims.join(',')}]`);
  }
  for (let a = 0; a < b; a++) {
    if (indexDims[a] !== dataDims[a]) throw new InputError(`${where}: batch axis ${a} differs between data [${dataDims.join(',')}] and indices [${indexDims.join(',')}]`);
  }
  const tupleDims = dataDims.slice(b, b + k);
  const strides = stridesOf(tupleDims);
  const B = sizeOf(dataDims.slice(0, b));
  const count = indices.length / k;
  const rows = new Int32Array(count);
  for (let t = 0; t < count; t++) {
    let f = 0;
    for (let c = 0; c < k; c++) f += wrapIndex(indices[t * k + c]!, tupleDims[c]!, where) * strides[c]!;
    rows[t] = f;
  }
  return { B, N: sizeOf(tupleDims), S: sizeOf(dataDims.slice(b + k)), m: count / Math.max(B, 1), rows, shared: false };
}

function rowOf(ix: RowIndex, b: number, j: number): number {
  return ix.rows[(ix.shared ? 0 : b * ix.m) + j]!;
}

/** The picked rows of x [B, N, S]: [B, m, S] as flat data (gather, and the scatter gradient of its updates). */
export function gatherRows(x: Float32Array, ix: RowIndex): Float32Array {
  const { B, N, S, m } = ix;
  const out = new Float32Array(B * m * S);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < m; j++) {
      const src = (b * N + rowOf(ix, b, j)) * S;
      out.set(x.subarray(src, src + S), (b * m + j) * S);
    }
  }
  return out;
}

/** The adjoint of gatherRows: v [B, m, S] added into zeros [B, N, S] at the picked rows (repeated rows accumulate). */
export function scatterAddRows(v: Float32Array, ix: RowIndex): Float32Array {
  const { B, N, S, m } = ix;
  const out = new Float32Array(B * N * S);
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < m; j++) {
      const dst = (b * N + rowOf(ix, b, j)) * S;
      const src = (b * m + j) * S;
      for (let s = 0; s < S; s++) out[dst + s]! += v[src + s]!;
    }
  }
  return out;
}

/**
 * GatherElements/ScatterElements addressing: for each element i of the
 * indices (dims `indexDims`, same rank as data), the flat offset in data of
 * the element at i with its `axis` coordinate replaced by indices[i].
 */
export function elementOffsets(
  dataDims: readonly number[], indexDims: readonly number[], indices: readonly number[], axis: number, where: string,
): Int32Array {
  const r = dataDims.length;
  if (indexDims.length !== r || indexDims.some((d, a) => a !== axis && d > dataDims[a]!)) {
    throw new InputError(`${where}: indices [${indexDims.join(',')}] do not fit data [${dataDims.join(',')}] along axis ${axis}`);
  }
  const ds = stridesOf(dataDims);
  const is = stridesOf(indexDims);
  const N = dataDims[axis]!;
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    let off = 0;
    let rem = i;
    for (let a = 0; a < r; a++) {
      const c = Math.floor(rem / is[a]!);
      rem -= c * is[a]!;
      off += (a === axis ? wrapIndex(indices[i]!, N, where) : c) * ds[a]!;
    }
    out[i] = off;
  }
  return out;
}

/** x[offsets[i]] for each i, shaped `dims`. */
export function gatherAt(x: Float32Array, offsets: Int32Array, dims: readonly number[]): Tensor {
  return { dims: [...dims], data: Float32Array.from(offsets, (o) => x[o]!) };
}

/** zeros(dims) with v[i] added at offsets[i] (repeated offsets accumulate). */
export function scatterAddAt(v: Float32Array, offsets: Int32Array, dims: readonly number[]): Tensor {
  const out = new Float32Array(sizeOf(dims));
  for (let i = 0; i < offsets.length; i++) out[offsets[i]!]! += v[i]!;
  return { dims: [...dims], data: out };
}

/**
 * For each scattered element i, the product of the other elements written
 * to the same place: Π_{j ≠ i, key_j = key_i} v_j, where key is the target
 * (a flat offset, or a row for `width`-wide rows whose s-th entries multiply).
 */
export function othersProduct(v: Float32Array, keys: Int32Array, width = 1): Float32Array {
  const out = new Float32Array(v.length).fill(1);
  const byKey = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  });
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    for (const i of list) {
      for (const j of list) {
        if (j === i) continue;
        for (let s = 0; s < width; s++) out[i * width + s]! *= v[j * width + s]!;
      }
    }
  }
  return out;
}
