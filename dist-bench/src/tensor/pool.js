/**
 * 2-D max and average pooling with ONNX (and ONNX Runtime) semantics, plus
 * their gradients. Window (i, j) of an [N,C,H,W] input covers rows
 * i·s0 − pt + p·d0 (p < kH) and columns j·s1 − pl + q·d1 (q < kW); positions
 * outside the input are padding.
 */
import { sizeOf } from './tensor.js';
function fmt(dims) {
    return `[${dims.join(',')}]`;
}
function checkAttrs(a, what) {
    const pos = [
        ['kernel[0]', a.kernel[0]],
        ['kernel[1]', a.kernel[1]],
        ['strides[0]', a.strides[0]],
        ['strides[1]', a.strides[1]],
        ['dilations[0]', a.dilations[0]],
        ['dilations[1]', a.dilations[1]],
    ];
    for (const [name, v] of pos) {
        if (!Number.isInteger(v) || v < 1)
            throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
    }
    for (const [i, p] of a.pads.entries()) {
        if (!Number.isInteger(p) || p < 0)
            throw new RangeError(`${what}: pads[${i}] must be a non-negative integer, got ${p}`);
    }
}
/**
 * Pooled length along one axis: floor or ceil((in + pb + pe − ((k−1)·d + 1))/s) + 1.
 * In ceil mode a last window that would start inside the end padding
 * ((out−1)·s ≥ in + pb) is dropped, as ONNX Runtime does.
 */
function pooledSize(inSize, k, s, pb, pe, d, ceil) {
    const span = inSize + pb + pe - ((k - 1) * d + 1);
    if (span < 0)
        return 0;
    let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    if (ceil && (out - 1) * s >= inSize + pb)
        out--;
    return out;
}
/** Output shape [N, C, oH, oW] of pooling an [N,C,H,W] input. */
export function pool2dOutputDims(xDims, a) {
    if (xDims.length !== 4)
        throw new RangeError(`pool2d: input must be [N,C,H,W], got ${fmt(xDims)}`);
    checkAttrs(a, 'pool2d');
    const [N, C, H, W] = xDims;
    const oH = pooledSize(H, a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], a.ceilMode);
    const oW = pooledSize(W, a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], a.ceilMode);
    if (oH < 1 || oW < 1) {
        throw new RangeError(`pool2d: kernel [${a.kernel.join(',')}] does not fit input ${fmt(xDims)} with pads [${a.pads.join(',')}]`);
    }
    return [N, C, oH, oW];
}
function axisWindows(inSize, k, s, pb, pe, d, out) {
    const start = new Int32Array(out);
    const lo = new Int32Array(out);
    const hi = new Int32Array(out);
    const padded = new Int32Array(out);
    for (let o = 0; o < out; o++) {
        const st = o * s - pb;
        start[o] = st;
        lo[o] = st >= 0 ? 0 : Math.min(k, Math.ceil(-st / d));
        hi[o] = Math.max(lo[o], Math.min(k, Math.floor((inSize - 1 - st) / d) + 1));
        padded[o] = Math.max(0, Math.min(k, Math.floor((inSize + pe - 1 - st) / d) + 1));
    }
    return { start, lo, hi, padded };
}
function windows(xDims, a) {
    const dims = pool2dOutputDims(xDims, a);
    const rows = axisWindows(xDims[2], a.kernel[0], a.strides[0], a.pads[0], a.pads[2], a.dilations[0], dims[2]);
    const cols = axisWindows(xDims[3], a.kernel[1], a.strides[1], a.pads[1], a.pads[3], a.dilations[1], dims[3]);
    return { dims, rows, cols };
}
/**
 * ONNX MaxPool: y = max over the in-bounds window taps (padding never wins).
 * argmax[k] is the flat index into x of y[k]'s maximum; the first maximum in
 * row-major window order wins. A window with no in-bounds tap (impossible when
 * every pad is smaller than its kernel, which ONNX Runtime requires) yields
 * y = 0 and argmax = −1.
 */
export function maxPool2d(x, a) {
    const { dims, rows, cols } = windows(x.dims, a);
    const [N, C, oH, oW] = dims;
    const H = x.dims[2];
    const W = x.dims[3];
    const d0 = a.dilations[0];
    const d1 = a.dilations[1];
    const xd = x.data;
    const y = new Float32Array(N * C * oH * oW);
    const argmax = new Int32Array(y.length);
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
        const base = plane * H * W;
        for (let i = 0; i < oH; i++) {
            const rs = rows.start[i];
            const pLo = rows.lo[i];
            const pHi = rows.hi[i];
            for (let j = 0; j < oW; j++, o++) {
                const cs = cols.start[j];
                const qLo = cols.lo[j];
                const qHi = cols.hi[j];
                let best = 0;
                let bi = -1;
                for (let p = pLo; p < pHi; p++) {
                    const rowBase = base + (rs + p * d0) * W + cs;
                    for (let q = qLo; q < qHi; q++) {
                        const idx = rowBase + q * d1;
                        const v = xd[idx];
                        if (bi < 0 || v > best) {
                            best = v;
                            bi = idx;
                        }
                    }
                }
                y[o] = best;
                argmax[o] = bi;
            }
        }
    }
    return { y: { dims, data: y }, argmax };
}
/** Gradient of maxPool2d: dx[argmax[k]] += dy[k] (entries with argmax −1 are skipped). */
export function maxPool2dGrad(dy, argmax, xDims) {
    if (dy.data.length !== argmax.length) {
        throw new RangeError(`maxPool2dGrad: dy ${fmt(dy.dims)} has ${dy.data.length} values but argmax has ${argmax.length}`);
    }
    const dx = new Float32Array(sizeOf(xDims));
    const g = dy.data;
    for (let k = 0; k < argmax.length; k++) {
        const t = argmax[k];
        if (t >= 0)
            dx[t] = dx[t] + g[k];
    }
    return { dims: [...xDims], data: dx };
}
/**
 * Divisor of each window: taps inside the padded input [−pb, in + pe) when
 * countIncludePad (taps that ceil mode pushes past the padded border never
 * count), otherwise taps inside the input.
 */
function divisor(rows, cols, i, j, countIncludePad) {
    return countIncludePad
        ? rows.padded[i] * cols.padded[j]
        : (rows.hi[i] - rows.lo[i]) * (cols.hi[j] - cols.lo[j]);
}
/** ONNX AveragePool: y = (Σ of the in-bounds window taps) / divisor (see `divisor`); 0 for an empty window. */
export function avgPool2d(x, a) {
    const { dims, rows, cols } = windows(x.dims, a);
    const [N, C, oH, oW] = dims;
    const H = x.dims[2];
    const W = x.dims[3];
    const d0 = a.dilations[0];
    const d1 = a.dilations[1];
    const xd = x.data;
    const y = new Float32Array(N * C * oH * oW);
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
        const base = plane * H * W;
        for (let i = 0; i < oH; i++) {
            const rs = rows.start[i];
            const pLo = rows.lo[i];
            const pHi = rows.hi[i];
            for (let j = 0; j < oW; j++, o++) {
                const cs = cols.start[j];
                const qLo = cols.lo[j];
                const qHi = cols.hi[j];
                let s = 0;
                for (let p = pLo; p < pHi; p++) {
                    const rowBase = base + (rs + p * d0) * W + cs;
                    for (let q = qLo; q < qHi; q++)
                        s += xd[rowBase + q * d1];
                }
                const div = divisor(rows, cols, i, j, a.countIncludePad);
                y[o] = div > 0 ? s / div : 0;
            }
        }
    }
    return { dims, data: y };
}
/** Gradient of avgPool2d: every in-bounds tap of window k receives dy[k] / divisor_k. */
export function avgPool2dGrad(dy, xDims, a) {
    const { dims, rows, cols } = windows(xDims, a);
    if (dy.dims.length !== 4 || dy.dims.some((d, i) => d !== dims[i])) {
        throw new RangeError(`avgPool2dGrad: dy ${fmt(dy.dims)} does not match the pooled shape ${fmt(dims)}`);
    }
    const [N, C, oH, oW] = dims;
    const H = xDims[2];
    const W = xDims[3];
    const d0 = a.dilations[0];
    const d1 = a.dilations[1];
    const g = dy.data;
    const dx = new Float32Array(N * C * H * W);
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
        const base = plane * H * W;
        for (let i = 0; i < oH; i++) {
            const rs = rows.start[i];
            const pLo = rows.lo[i];
            const pHi = rows.hi[i];
            for (let j = 0; j < oW; j++, o++) {
                const div = divisor(rows, cols, i, j, a.countIncludePad);
                if (div === 0)
                    continue;
                const v = g[o] / div;
                const cs = cols.start[j];
                const qLo = cols.lo[j];
                const qHi = cols.hi[j];
                for (let p = pLo; p < pHi; p++) {
                    const rowBase = base + (rs + p * d0) * W + cs;
                    for (let q = qLo; q < qHi; q++)
                        dx[rowBase + q * d1] = dx[rowBase + q * d1] + v;
                }
            }
        }
    }
    return { dims: [...xDims], data: dx };
}
