/**
 * Numpy / ONNX multidirectional broadcasting, its adjoint (summing a gradient
 * back to an operand's shape), and axis reductions.
 */
import { sizeOf, stridesOf } from './tensor.js';
function fmt(dims) {
    return `[${dims.join(',')}]`;
}
/**
 * Broadcast result shape of `a` and `b`: shapes are right-aligned, and each
 * pair of dimensions must be equal or contain a 1 (the result takes the other).
 */
export function broadcastShape(a, b) {
    const rank = Math.max(a.length, b.length);
    const out = new Array(rank);
    for (let i = 0; i < rank; i++) {
        const da = a[a.length - rank + i] ?? 1;
        const db = b[b.length - rank + i] ?? 1;
        if (da !== db && da !== 1 && db !== 1) {
            throw new RangeError(`broadcastShape: shapes ${fmt(a)} and ${fmt(b)} are not broadcast-compatible`);
        }
        out[i] = da === 1 ? db : da;
    }
    return out;
}
/**
 * Strides with which to read a tensor of shape `from` while walking the
 * broadcast shape `to` in row-major order: 0 on the broadcast axes.
 */
function broadcastStrides(from, to, what) {
    const rank = to.length;
    if (from.length > rank)
        throw new RangeError(`${what}: shape ${fmt(from)} cannot broadcast to ${fmt(to)}`);
    const src = stridesOf(from);
    const out = new Array(rank).fill(0);
    const lead = rank - from.length;
    for (let i = 0; i < from.length; i++) {
        const d = from[i];
        const t = to[lead + i];
        if (d === t)
            out[lead + i] = d === 1 ? 0 : src[i];
        else if (d !== 1)
            throw new RangeError(`${what}: shape ${fmt(from)} cannot broadcast to ${fmt(to)}`);
    }
    return out;
}
/**
 * Walks `dims` in row-major order and calls `row` once per innermost line with
 * the starting offsets of the two strided operands. Keeps the per-element work
 * in the caller's tight loop.
 */
function forEachRow(dims, sa, sb, row) {
    const rank = dims.length;
    const total = sizeOf(dims);
    if (total === 0)
        return;
    const inner = rank === 0 ? 1 : dims[rank - 1];
    const outer = total / inner;
    const idx = new Int32Array(Math.max(rank - 1, 0));
    let offA = 0;
    let offB = 0;
    for (let o = 0; o < outer; o++) {
        row(offA, offB, o * inner);
        for (let d = rank - 2; d >= 0; d--) {
            idx[d]++;
            offA += sa[d];
            offB += sb[d];
            if (idx[d] < dims[d])
                break;
            offA -= sa[d] * dims[d];
            offB -= sb[d] * dims[d];
            idx[d] = 0;
        }
    }
}
/** Materialises `x` broadcast to `dims` (x's shape must broadcast to exactly `dims`). */
export function broadcastTo(x, dims) {
    const sx = broadcastStrides(x.dims, dims, 'broadcastTo');
    const out = new Float32Array(sizeOf(dims));
    const src = x.data;
    const rank = dims.length;
    const inner = rank === 0 ? 1 : dims[rank - 1];
    const step = rank === 0 ? 0 : sx[rank - 1];
    const zero = new Array(rank).fill(0);
    forEachRow(dims, sx, zero, (offA, _offB, o) => {
        if (step === 1)
            out.set(src.subarray(offA, offA + inner), o);
        else if (step === 0)
            out.fill(src[offA], o, o + inner);
        else
            for (let j = 0; j < inner; j++)
                out[o + j] = src[offA + j * step];
    });
    return { dims: [...dims], data: out };
}
/**
 * Adjoint of broadcastTo: sums `g` (shape G) over every axis along which a
 * tensor of shape `dims` was broadcast to reach G, returning shape `dims`.
 * out[k] = Σ_{i : i maps to k} g[i].
 */
export function reduceToShape(g, dims) {
    const so = broadcastStrides(dims, g.dims, 'reduceToShape');
    const out = new Float32Array(sizeOf(dims));
    const src = g.data;
    if (out.length === src.length) {
        out.set(src);
        return { dims: [...dims], data: out };
    }
    const rank = g.dims.length;
    const inner = rank === 0 ? 1 : g.dims[rank - 1];
    const step = rank === 0 ? 0 : so[rank - 1];
    const zero = new Array(rank).fill(0);
    forEachRow(g.dims, so, zero, (offO, _unused, i) => {
        if (step === 0) {
            let s = 0;
            for (let j = 0; j < inner; j++)
                s += src[i + j];
            out[offO] += s;
        }
        else {
            for (let j = 0; j < inner; j++)
                out[offO + j * step] += src[i + j];
        }
    });
    return { dims: [...dims], data: out };
}
/** Element-wise f(a, b) with numpy broadcasting; result shape broadcastShape(a.dims, b.dims). */
export function binaryOp(a, b, f) {
    const dims = broadcastShape(a.dims, b.dims);
    const sa = broadcastStrides(a.dims, dims, 'binaryOp');
    const sb = broadcastStrides(b.dims, dims, 'binaryOp');
    const out = new Float32Array(sizeOf(dims));
    const ad = a.data;
    const bd = b.data;
    const rank = dims.length;
    const inner = rank === 0 ? 1 : dims[rank - 1];
    const stepA = rank === 0 ? 0 : sa[rank - 1];
    const stepB = rank === 0 ? 0 : sb[rank - 1];
    forEachRow(dims, sa, sb, (offA, offB, o) => {
        for (let j = 0; j < inner; j++)
            out[o + j] = f(ad[offA + j * stepA], bd[offB + j * stepB]);
    });
    return { dims, data: out };
}
/** Normalises ONNX axes (negative counts from the end) to a sorted unique list. */
export function normalizeAxes(axes, rank, what) {
    const seen = new Set();
    for (const a of axes) {
        if (!Number.isInteger(a) || a < -rank || a >= rank)
            throw new RangeError(`${what}: axis ${a} out of range for rank ${rank}`);
        seen.add(a < 0 ? a + rank : a);
    }
    return [...seen].sort((p, q) => p - q);
}
/**
 * Sum of `x` over `axes` (negative axes count from the end). As with ONNX
 * ReduceSum's default, an empty `axes` reduces over every axis. With keepDims
 * the reduced axes stay as size 1, otherwise they are removed.
 */
export function reduceSum(x, axes, keepDims) {
    const rank = x.dims.length;
    const ax = axes.length === 0 ? x.dims.map((_, i) => i) : normalizeAxes(axes, rank, 'reduceSum');
    const reduced = new Set(ax);
    const kept = x.dims.map((d, i) => (reduced.has(i) ? 1 : d));
    const out = reduceToShape(x, kept);
    const dims = keepDims ? kept : x.dims.filter((_, i) => !reduced.has(i));
    return { dims, data: out.data };
}
