/**
 * Building blocks for the pooling and shape emitters: static crops and zero
 * pads, block upsampling, zeros, index ranges, Split and Concat in the
 * model's opset form, the pooling gradients (average and max) and the Slice
 * gradient. Pooling windows are known statically, so their tables (window
 * divisors, the input position of every window tap) become constants. Every
 * helper records the dims of what it creates (ctx.setDims).
 */
import { InputError } from '../errors.js';
import { DataType } from '../onnx/dtypes.js';
import { sizeOf, stridesOf } from '../tensor/tensor.js';
import { reduceSumEmit, reshapeEmit } from './emit-helpers.js';
function record(ctx, name, dims) {
    ctx.setDims(name, dims);
    return name;
}
/**
 * x [dims] with begin[a] zeros added before axis a and end[a] after; negative
 * amounts crop instead (Slice for the crops, then Pad for the zeros).
 */
export function cropPadEmit(ctx, x, dims, begin, end) {
    let y = x;
    let d = [...dims];
    const cropAxes = dims.map((_, a) => a).filter((a) => begin[a] < 0 || end[a] < 0);
    if (cropAxes.length > 0) {
        const starts = cropAxes.map((a) => Math.max(0, -begin[a]));
        const ends = cropAxes.map((a) => dims[a] - Math.max(0, -end[a]));
        y = ctx.opset >= 10
            ? ctx.op('Slice', [y, ctx.ints(starts), ctx.ints(ends), ctx.ints(cropAxes)])
            : ctx.op('Slice', [y], { starts, ends, axes: cropAxes });
        d = dims.map((n, a) => n - Math.max(0, -begin[a]) - Math.max(0, -end[a]));
        record(ctx, y, d);
    }
    const pads = [...begin.map((b) => Math.max(0, b)), ...end.map((e) => Math.max(0, e))];
    if (pads.some((p) => p > 0)) {
        y = ctx.opset >= 11 ? ctx.op('Pad', [y, ctx.ints(pads)]) : ctx.op('Pad', [y], { pads });
        d = d.map((n, a) => n + pads[a] + pads[a + d.length]);
        record(ctx, y, d);
    }
    return y;
}
/** A float32 tensor of zeros shaped `dims` (Expand of a scalar 0, so the model holds no zero array). */
export function zerosEmit(ctx, dims) {
    return record(ctx, ctx.op('Expand', [ctx.floats([0], []), ctx.ints(dims)]), dims);
}
/** The int64 vector [0, 1, …, n − 1] (Range from opset 11, a constant before). */
export function indexRangeEmit(ctx, n) {
    if (ctx.opset < 11)
        return ctx.ints(Array.from({ length: n }, (_, i) => i));
    return record(ctx, ctx.op('Range', [ctx.ints([0], []), ctx.ints([n], []), ctx.ints([1], [])]), [n]);
}
/**
 * Each value of x [A,B,h,w] copied into an fh×fw block, [A,B,h·fh,w·fw]:
 * Reshape [A,B,h,1,w,1] → Expand [A,B,h,fh,w,fw] → Reshape.
 */
export function upsampleEmit(ctx, x, dims, fh, fw) {
    const [A, B, h, w] = dims;
    if (fh === 1 && fw === 1)
        return x;
    const blocks = reshapeEmit(ctx, x, dims, [A, B, h, 1, w, 1]);
    const big = record(ctx, ctx.op('Expand', [blocks, ctx.ints([A, B, h, fh, w, fw])]), [A, B, h, fh, w, fw]);
    return reshapeEmit(ctx, big, [A, B, h, fh, w, fw], [A, B, h * fh, w * fw]);
}
/** ONNX Split of x into consecutive pieces of `sizes` along `axis` (split as an input from opset 13). */
export function splitEmit(ctx, x, dims, axis, sizes) {
    if (sizes.length === 1)
        return [x];
    const parts = ctx.opset >= 13
        ? ctx.add('Split', [x, ctx.ints(sizes)], { axis }, sizes.length)
        : ctx.add('Split', [x], { axis, split: [...sizes] }, sizes.length);
    parts.forEach((p, k) => record(ctx, p, dims.map((d, a) => (a === axis ? sizes[k] : d))));
    return parts;
}
/** ONNX Concat of parts along `axis`. */
export function concatEmit(ctx, parts, dims, axis) {
    if (parts.length === 1)
        return parts[0];
    const out = dims[0].map((d, a) => (a === axis ? dims.reduce((s, p) => s + p[a], 0) : d));
    return record(ctx, ctx.op('Concat', [...parts], { axis }), out);
}
function axisTaps(inSize, k, s, pb, pe, d, out) {
    const t = { start: [], lo: [], hi: [], padded: [] };
    for (let o = 0; o < out; o++) {
        const st = o * s - pb;
        const lo = st >= 0 ? 0 : Math.min(k, Math.ceil(-st / d));
        t.start.push(st);
        t.lo.push(lo);
        t.hi.push(Math.max(lo, Math.min(k, Math.floor((inSize - 1 - st) / d) + 1)));
        t.padded.push(Math.max(0, Math.min(k, Math.floor((inSize + pe - 1 - st) / d) + 1)));
    }
    return t;
}
function windowTaps(w) {
    const a = w.attrs;
    const [, , H, W] = w.dims4;
    const [, , oH, oW] = w.out4;
    return [
        axisTaps(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], oH),
        axisTaps(W, a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], oW),
    ];
}
/**
 * 1/divisor of every window [oH·oW] (0 for a window with no tap): the taps
 * inside the padded input with count_include_pad, else those inside the input.
 */
export function poolInverseDivisors(w) {
    const [rows, cols] = windowTaps(w);
    const out = [];
    for (let i = 0; i < rows.start.length; i++) {
        for (let j = 0; j < cols.start.length; j++) {
            const div = w.attrs.countIncludePad
                ? rows.padded[i] * cols.padded[j]
                : (rows.hi[i] - rows.lo[i]) * (cols.hi[j] - cols.lo[j]);
            out.push(div > 0 ? 1 / div : 0);
        }
    }
    return out;
}
/**
 * For tap t = p·kW + q of window (i, j): the position h·W + w it reads within
 * its [H,W] plane, or −1 where the tap lies in the padding. [kH·kW, oH, oW].
 */
export function poolTapPositions(w) {
    const [rows, cols] = windowTaps(w);
    const [kH, kW] = w.attrs.kernel;
    const [d0, d1] = w.attrs.dilations;
    const [, , H, W] = w.dims4;
    const out = [];
    for (let p = 0; p < kH; p++) {
        for (let q = 0; q < kW; q++) {
            for (let i = 0; i < rows.start.length; i++) {
                const h = rows.start[i] + p * d0;
                for (let j = 0; j < cols.start.length; j++) {
                    const c = cols.start[j] + q * d1;
                    out.push(h >= 0 && h < H && c >= 0 && c < W ? h * W + c : -1);
                }
            }
        }
    }
    return out;
}
/** Windows that tile the input without overlap or padding (stride = kernel, no dilation, no pads). */
export function tilesInput(w) {
    const a = w.attrs;
    return a.strides[0] === a.kernel[0] && a.strides[1] === a.kernel[1]
        && a.dilations[0] === 1 && a.dilations[1] === 1 && a.pads.every((p) => p === 0);
}
/**
 * The adjoint of reading windows: ConvTranspose of z [B,K,oH,oW] with a
 * [K,1,kH,kW] kernel at the window's strides and dilations, with the begin
 * pads cropped off and the end cropped or zero-padded to the plane [H,W],
 * giving [B,1,H,W].
 */
function scatterWindowsEmit(ctx, z, zDims, kernel, w) {
    const a = w.attrs;
    const [B, , oH, oW] = zDims;
    const [, , H, W] = w.dims4;
    const span = (o, k, s, d) => s * (o - 1) + (k - 1) * d + 1;
    const [pt, pl] = a.pads;
    const cropH = Math.max(0, span(oH, a.kernel[0], a.strides[0], a.dilations[0]) - pt - H);
    const cropW = Math.max(0, span(oW, a.kernel[1], a.strides[1], a.dilations[1]) - pl - W);
    const gotH = span(oH, a.kernel[0], a.strides[0], a.dilations[0]) - pt - cropH;
    const gotW = span(oW, a.kernel[1], a.strides[1], a.dilations[1]) - pl - cropW;
    const y = record(ctx, ctx.op('ConvTranspose', [z, kernel], {
        kernel_shape: [...a.kernel], strides: [...a.strides], dilations: [...a.dilations], pads: [pt, pl, cropH, cropW],
    }), [B, 1, gotH, gotW]);
    return cropPadEmit(ctx, y, [B, 1, gotH, gotW], [0, 0, 0, 0], [0, 0, H - gotH, W - gotW]);
}
/** dy scaled by each window's 1/divisor (a scalar when every window has the same divisor). */
function divideByWindowSizes(ctx, dy, w) {
    const inv = poolInverseDivisors(w);
    const [, , oH, oW] = w.out4;
    const uniform = inv.every((v) => v === inv[0]);
    if (uniform && inv[0] === 1)
        return dy;
    return record(ctx, ctx.op('Mul', [dy, uniform ? ctx.floats([inv[0]], []) : ctx.floats(inv, [1, 1, oH, oW])]), w.out4);
}
/**
 * avgPool2dGrad as ONNX nodes, dy [N,C,oH,oW] → [N,C,H,W]: every in-bounds tap
 * of window k receives dy_k / divisor_k. The divisors are a constant folded
 * into dy; windows that tile the input are then upsampled by Expand, any
 * other window shape scattered back by a ConvTranspose with an all-ones
 * kernel over the N·C planes.
 */
export function avgPool2dGradEmit(ctx, dy, w) {
    const [N, C, H, W] = w.dims4;
    const [, , oH, oW] = w.out4;
    const [kH, kW] = w.attrs.kernel;
    const scaled = divideByWindowSizes(ctx, dy, w);
    if (tilesInput(w)) {
        const up = upsampleEmit(ctx, scaled, w.out4, kH, kW);
        return cropPadEmit(ctx, up, [N, C, oH * kH, oW * kW], [0, 0, 0, 0], [0, 0, H - oH * kH, W - oW * kW]);
    }
    const planes = reshapeEmit(ctx, scaled, w.out4, [N * C, 1, oH, oW]);
    const ones = ctx.floats(new Array(kH * kW).fill(1), [1, 1, kH, kW]);
    const dx = scatterWindowsEmit(ctx, planes, [N * C, 1, oH, oW], ones, w);
    return reshapeEmit(ctx, dx, [N * C, 1, H, W], w.dims4);
}
/**
 * The argmax of maxPool2d as ONNX nodes: MaxPool on x4 [N,C,H,W] with the
 * window's explicit attributes and storage_order 0, whose Indices output is
 * the flat index ((n·C + c)·H + h)·W + w of each window's first maximum
 * (as maxPool2d picks it); returned as the in-plane position h·W + w,
 * [N,C,oH,oW] int64.
 */
export function maxPool2dArgmaxEmit(ctx, x4, w) {
    const a = w.attrs;
    const [, , H, W] = w.dims4;
    const attrs = { kernel_shape: [...a.kernel], strides: [...a.strides], pads: [...a.pads] };
    if (a.dilations.some((d) => d !== 1))
        attrs.dilations = [...a.dilations];
    if (a.ceilMode)
        attrs.ceil_mode = 1;
    const [, indices] = ctx.add('MaxPool', [x4], attrs, 2);
    record(ctx, indices, w.out4);
    return record(ctx, ctx.op('Mod', [indices, ctx.ints([H * W], [])]), w.out4);
}
/**
 * maxPool2dGrad as ONNX nodes: dx[argmax_k] += dy_k, dy [N,C,oH,oW] and
 * argmax (in-plane positions) → [N,C,H,W]. Windows that tile the input give
 * each position at most one window: dy and argmax are upsampled by Expand and
 * dx = dy where argmax equals the position's own index. Otherwise, per tap t
 * of the kernel, mask_t = (argmax = the position tap t reads), and the masked
 * dy [N·C, kH·kW, oH, oW] is scattered back by a ConvTranspose whose kernel
 * channel t is the one-hot of tap t, summing where windows overlap.
 */
export function maxPool2dGradEmit(ctx, dy, argmax, w) {
    const [N, C, H, W] = w.dims4;
    const [, , oH, oW] = w.out4;
    const [kH, kW] = w.attrs.kernel;
    const zero = ctx.floats([0], []);
    if (tilesInput(w)) {
        const h = Math.min(H, oH * kH);
        const wd = Math.min(W, oW * kW);
        const fit = (v) => cropPadEmit(ctx, upsampleEmit(ctx, v, w.out4, kH, kW), [N, C, oH * kH, oW * kW], [0, 0, 0, 0], [0, 0, h - oH * kH, wd - oW * kW]);
        const rows = ctx.ints(Array.from({ length: h }, (_, r) => r * W), [h, 1]);
        const cols = ctx.ints(Array.from({ length: wd }, (_, c) => c), [1, wd]);
        const own = record(ctx, ctx.op('Add', [rows, cols]), [h, wd]);
        const hit = record(ctx, ctx.op('Equal', [fit(argmax), own]), [N, C, h, wd]);
        const dx = record(ctx, ctx.op('Where', [hit, fit(dy), zero]), [N, C, h, wd]);
        return cropPadEmit(ctx, dx, [N, C, h, wd], [0, 0, 0, 0], [0, 0, H - h, W - wd]);
    }
    const K = kH * kW;
    const taps = ctx.ints(poolTapPositions(w), [K, oH, oW]);
    const am = reshapeEmit(ctx, argmax, w.out4, [N, C, 1, oH, oW]);
    const hit = record(ctx, ctx.op('Equal', [am, taps]), [N, C, K, oH, oW]);
    const g = reshapeEmit(ctx, dy, w.out4, [N, C, 1, oH, oW]);
    const masked = record(ctx, ctx.op('Where', [hit, g, zero]), [N, C, K, oH, oW]);
    const planes = reshapeEmit(ctx, masked, [N, C, K, oH, oW], [N * C, K, oH, oW]);
    const oneHot = ctx.floats(Array.from({ length: K * K }, (_, i) => (Math.floor(i / K) === i % K ? 1 : 0)), [K, 1, kH, kW]);
    const dx = scatterWindowsEmit(ctx, planes, [N * C, K, oH, oW], oneHot, w);
    return reshapeEmit(ctx, dx, [N * C, 1, H, W], w.dims4);
}
/**
 * The Slice gradient as ONNX nodes, without a scatter: dx = zeros(dims(x))
 * with dx[start + i∘step] = dy[i]. The node's own Slice inputs (`sliceArgs`:
 * starts, ends and the optional axes and steps, read at run time) applied to
 * the flat index tensor of x give the index in x of every element of dy; per
 * axis a, its coordinates s_a [Y_a] pick, for each x position p, the dy
 * index q with s_a[q] = p (ArgMax of the one-hot [Y_a, X_a]) and whether
 * there is one; dy is then gathered along a and masked. Slicing is separable,
 * so doing this on every axis in turn scatters dy back exactly, whatever the
 * signs of the steps and the clamping of starts and ends.
 */
export function sliceGradEmit(ctx, dy, xDims, yDims, sliceArgs) {
    if (yDims.some((d) => d === 0))
        return zerosEmit(ctx, xDims);
    const r = xDims.length;
    const flat = reshapeEmit(ctx, indexRangeEmit(ctx, sizeOf(xDims)), [sizeOf(xDims)], xDims);
    const picked = record(ctx, ctx.op('Slice', [flat, ...sliceArgs]), yDims);
    const strides = stridesOf(xDims);
    let g = dy;
    const gDims = [...yDims];
    for (let a = 0; a < r; a++) {
        const X = xDims[a];
        const Y = yDims[a];
        const others = xDims.map((_, b) => b).filter((b) => b !== a);
        let line = picked;
        if (others.length > 0) {
            line = record(ctx, ctx.op('Slice', [picked, ctx.ints(others.map(() => 0)), ctx.ints(others.map(() => 1)), ctx.ints(others)]), yDims.map((d, b) => (b === a ? d : 1)));
        }
        let coord = reshapeEmit(ctx, line, yDims.map((d, b) => (b === a ? d : 1)), [Y, 1]);
        if (strides[a] !== 1)
            coord = record(ctx, ctx.op('Div', [coord, ctx.ints([strides[a]], [])]), [Y, 1]);
        if (a > 0)
            coord = record(ctx, ctx.op('Mod', [coord, ctx.ints([X], [])]), [Y, 1]);
        const same = record(ctx, ctx.op('Equal', [coord, ctx.ints(Array.from({ length: X }, (_, p) => p), [1, X])]), [Y, X]);
        const oneHot = record(ctx, ctx.op('Cast', [same], { to: DataType.FLOAT }), [Y, X]);
        const source = record(ctx, ctx.op('ArgMax', [oneHot], { axis: 0, keepdims: 0 }), [X]);
        gDims[a] = X;
        g = record(ctx, ctx.op('Gather', [g, source], { axis: a }), gDims);
        if (Y !== X) {
            const hit = reduceSumEmit(ctx, oneHot, [Y, X], [0], false);
            const mask = reshapeEmit(ctx, hit, [X], xDims.map((d, b) => (b === a ? d : 1)));
            g = record(ctx, ctx.op('Mul', [g, mask]), gDims);
        }
    }
    return g;
}
/** δ of a pooling node in its window's [N,C,oH,oW] form (pooledGrad's ONNX twin), after checking its size. */
export function pooledGradEmit(ctx, w) {
    const yDims = ctx.dims(ctx.outputs[0]);
    if (sizeOf(yDims) !== sizeOf(w.out4)) {
        throw new InputError(`node '${ctx.node.name}' (${ctx.node.opType}): output [${yDims.join(',')}] does not match the pooled shape [${w.out4.join(',')}]`);
    }
    return reshapeEmit(ctx, ctx.gradOutputs[0], yDims, w.out4);
}
/** Reshape-like ops (Reshape, Flatten, Squeeze, Unsqueeze): δ takes the input's dims back (reshapeBack's ONNX twin). */
export function reshapeBackEmit(ctx) {
    return [reshapeEmit(ctx, ctx.gradOutputs[0], ctx.dims(ctx.outputs[0]), ctx.dims(ctx.inputs[0]))];
}
