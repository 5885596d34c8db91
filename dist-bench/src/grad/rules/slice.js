/**
 * Slice: along each listed axis a, y takes x's indices start_a + i·step_a
 * (i < count_a), with ONNX's rules for negative and out-of-range starts and
 * ends (inputs from opset 10, attributes before; axes default to the first
 * len(starts) axes, steps to 1). Differentiable: data (0); starts, ends, axes
 * and steps are not. Saves: data (its dims only) and starts, ends, axes, steps.
 *
 *   ∂L/∂x = zeros(dims(x)) with δ scattered back: ∂x[start + i∘step] = δ[i].
 *
 * Emitted (opset 10+): the node's Slice inputs applied to x's flat indices,
 * then one Gather and mask per axis (sliceGradEmit, no scatter); before opset
 * 10 the ranges are attributes and δ is zero-padded back by Pad.
 */
import { InputError } from '../../errors.js';
import { sizeOf, stridesOf } from '../../tensor/tensor.js';
import { optionalIntsIn, savedDims } from './reshape.js';
import { cropPadEmit, sliceGradEmit, zerosEmit } from '../../compile/emit-shape-helpers.js';
/**
 * Strided box copy: for every index i < box (per axis),
 * dst[dstStart + i∘dstStep] = src[srcStart + i∘srcStep], both row-major.
 * The common kernel of the slice, pad, concat and split gradients.
 */
export function stridedCopy(src, srcStart, srcStep, dst, dstStart, dstStep, box) {
    const rank = box.length;
    if (sizeOf(box) === 0)
        return;
    const sBase = stridesOf(src.dims);
    const dBase = stridesOf(dst.dims);
    const ss = sBase.map((s, a) => s * srcStep[a]);
    const ds = dBase.map((s, a) => s * dstStep[a]);
    let so = 0;
    let doff = 0;
    for (let a = 0; a < rank; a++) {
        so += srcStart[a] * sBase[a];
        doff += dstStart[a] * dBase[a];
    }
    const s = src.data;
    const d = dst.data;
    if (rank === 0) {
        d[doff] = s[so];
        return;
    }
    const inner = box[rank - 1];
    const si = ss[rank - 1];
    const di = ds[rank - 1];
    const idx = new Int32Array(rank);
    const outer = sizeOf(box) / inner;
    for (let o = 0; o < outer; o++) {
        if (si === 1 && di === 1)
            d.set(s.subarray(so, so + inner), doff);
        else
            for (let j = 0; j < inner; j++)
                d[doff + j * di] = s[so + j * si];
        for (let a = rank - 2; a >= 0; a--) {
            idx[a]++;
            so += ss[a];
            doff += ds[a];
            if (idx[a] < box[a])
                break;
            so -= ss[a] * box[a];
            doff -= ds[a] * box[a];
            idx[a] = 0;
        }
    }
}
/**
 * ONNX Slice index arithmetic: negative starts/ends count from the end, then
 * starts and ends are clamped to [0, dim] for positive steps and to
 * [0, dim−1] / [−1, dim−1] for negative steps; count = ⌈(end − start)/step⌉ ≥ 0.
 */
export function sliceRanges(xDims, starts, ends, axes, steps, where) {
    const r = xDims.length;
    const start = xDims.map(() => 0);
    const step = xDims.map(() => 1);
    const count = [...xDims];
    const ax = axes ?? starts.map((_, i) => i);
    if (ends.length !== starts.length || ax.length !== starts.length || (steps && steps.length !== starts.length)) {
        throw new InputError(`${where}: starts, ends, axes and steps differ in length`);
    }
    const seen = new Set();
    ax.forEach((a0, i) => {
        const a = a0 < 0 ? a0 + r : a0;
        if (a < 0 || a >= r || seen.has(a))
            throw new InputError(`${where}: axis ${a0} is out of range or repeated for rank ${r}`);
        seen.add(a);
        const dim = xDims[a];
        const st = steps?.[i] ?? 1;
        if (st === 0)
            throw new InputError(`${where}: step 0 on axis ${a0}`);
        let s = starts[i];
        let e = ends[i];
        if (s < 0)
            s += dim;
        if (e < 0)
            e += dim;
        if (st > 0) {
            s = Math.min(Math.max(s, 0), dim);
            e = Math.min(Math.max(e, 0), dim);
        }
        else {
            s = Math.min(Math.max(s, 0), dim - 1);
            e = Math.min(Math.max(e, -1), dim - 1);
        }
        start[a] = s;
        step[a] = st;
        count[a] = Math.max(0, Math.ceil((e - s) / st));
    });
    return { start, step, count };
}
function vjp(ctx) {
    const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
    const dy = ctx.gradOutputs[0];
    const xDims = savedDims(ctx, 0);
    const a = ctx.node.attrs;
    const ranges = ctx.opset >= 10
        ? sliceRanges(xDims, optionalIntsIn(ctx, 1) ?? [], optionalIntsIn(ctx, 2) ?? [], optionalIntsIn(ctx, 3), optionalIntsIn(ctx, 4), where)
        : sliceRanges(xDims, a.ints('starts', []), a.ints('ends', []), a.has('axes') ? a.ints('axes', []) : undefined, undefined, where);
    if (ranges.count.length !== dy.dims.length || ranges.count.some((c, i) => c !== dy.dims[i])) {
        throw new InputError(`${where}: output gradient [${dy.dims.join(',')}] does not match the slice [${ranges.count.join(',')}]`);
    }
    const dx = { dims: xDims, data: new Float32Array(sizeOf(xDims)) };
    stridedCopy(dy, dy.dims.map(() => 0), dy.dims.map(() => 1), dx, ranges.start, ranges.step, ranges.count);
    return [dx];
}
function emit(ctx) {
    const where = `node '${ctx.node.name}' (${ctx.node.opType})`;
    const dy = ctx.gradOutputs[0];
    const xDims = ctx.dims(ctx.inputs[0]);
    const yDims = ctx.dims(ctx.outputs[0]);
    if (ctx.opset >= 10)
        return [sliceGradEmit(ctx, dy, xDims, yDims, ctx.inputs.slice(1))];
    const a = ctx.node.attrs;
    const ranges = sliceRanges(xDims, a.ints('starts', []), a.ints('ends', []), a.has('axes') ? a.ints('axes', []) : undefined, undefined, where);
    if (ranges.count.some((c) => c === 0))
        return [zerosEmit(ctx, xDims)];
    return [cropPadEmit(ctx, dy, yDims, ranges.start, xDims.map((d, i) => d - ranges.start[i] - ranges.count[i]))];
}
export const slice = {
    differentiable: [0],
    saves: { inputs: [0, 1, 2, 3, 4], outputs: [] },
    vjp,
    emit,
};
