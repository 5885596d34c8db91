/**
 * 2-D convolution (ONNX Conv: cross-correlation with strides, asymmetric pads,
 * dilations and groups) and its two gradients, all through im2col + GEMM.
 *
 * With Cg = C/group input channels and Mg = M/group output channels per group,
 * the column matrix of one image and group is
 *   col[(c·kH + p)·kW + q, i·oW + j] = x[g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1]
 * (0 outside the input), and the three kernels are
 *   y_g  = W_g · col             (W_g is w's rows of group g, shape [Mg, Cg·kH·kW])
 *   dx   = col2im(W_gᵀ · dy_g)    (scatter-add of the column gradient)
 *   dW_g = Σ_n dy_g · colᵀ
 */
import { gemmAccumulate } from './matmul.js';
import { sizeOf } from './tensor.js';
/** Output length of a 1-D convolution: floor((in + pb + pe − d·(k−1) − 1)/s) + 1. */
export function convOutputSize(inSize, k, stride, padBegin, padEnd, dilation) {
    return Math.floor((inSize + padBegin + padEnd - dilation * (k - 1) - 1) / stride) + 1;
}
function fmt(dims) {
    return `[${dims.join(',')}]`;
}
function positiveInt(v, what, name) {
    if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`${what}: ${name} must be a positive integer, got ${v}`);
}
function geometry(xDims, wDims, a, what) {
    if (xDims.length !== 4)
        throw new RangeError(`${what}: input must be [N,C,H,W], got ${fmt(xDims)}`);
    if (wDims.length !== 4)
        throw new RangeError(`${what}: weight must be [M,C/group,kH,kW], got ${fmt(wDims)}`);
    const [N, C, H, W] = xDims;
    const [M, Cg, kH, kW] = wDims;
    const G = a.group;
    positiveInt(G, what, 'group');
    for (const [i, s] of a.strides.entries())
        positiveInt(s, what, `strides[${i}]`);
    for (const [i, d] of a.dilations.entries())
        positiveInt(d, what, `dilations[${i}]`);
    for (const [i, p] of a.pads.entries()) {
        if (!Number.isInteger(p) || p < 0)
            throw new RangeError(`${what}: pads[${i}] must be a non-negative integer, got ${p}`);
    }
    if (C % G !== 0 || Cg !== C / G || M % G !== 0) {
        throw new RangeError(`${what}: input ${fmt(xDims)} and weight ${fmt(wDims)} do not fit group=${G}`);
    }
    const [s0, s1] = a.strides;
    const [d0, d1] = a.dilations;
    const [pt, pl, pb, pr] = a.pads;
    const oH = convOutputSize(H, kH, s0, pt, pb, d0);
    const oW = convOutputSize(W, kW, s1, pl, pr, d1);
    if (oH < 1 || oW < 1) {
        throw new RangeError(`${what}: kernel ${fmt(wDims)} does not fit input ${fmt(xDims)} with pads [${a.pads.join(',')}]`);
    }
    const pointwise = kH === 1 && kW === 1 && s0 === 1 && s1 === 1 && pt === 0 && pl === 0 && pb === 0 && pr === 0;
    return { N, C, H, W, M, G, Cg, Mg: M / G, kH, kW, oH, oW, s0, s1, pt, pl, d0, d1, ckk: Cg * kH * kW, ohw: oH * oW, pointwise };
}
/**
 * First output index o in [0, count) whose input position o·s + shift is ≥ 0,
 * and one past the last whose position is < size; positions outside are padding.
 */
function validLo(shift, s) {
    return shift >= 0 ? 0 : Math.ceil(-shift / s);
}
function validHi(shift, s, size, count) {
    const last = size - 1 - shift;
    return last < 0 ? 0 : Math.min(count, Math.floor(last / s) + 1);
}
/**
 * Writes the in-bounds entries of one image/group's column matrix. Entries that
 * fall in padding depend only on the geometry, so a zero-initialised `col`
 * stays correct across calls.
 */
function im2col(x, xOff, g, col) {
    const { Cg, H, W, kH, kW, oH, oW, s0, s1, pt, pl, d0, d1, ohw } = g;
    let r = 0;
    for (let c = 0; c < Cg; c++) {
        const xc = xOff + c * H * W;
        for (let p = 0; p < kH; p++) {
            const rowShift = p * d0 - pt;
            const iLo = validLo(rowShift, s0);
            const iHi = validHi(rowShift, s0, H, oH);
            for (let q = 0; q < kW; q++, r++) {
                const colShift = q * d1 - pl;
                const jLo = validLo(colShift, s1);
                const jHi = validHi(colShift, s1, W, oW);
                const rowOff = r * ohw;
                for (let i = iLo; i < iHi; i++) {
                    const src = xc + (i * s0 + rowShift) * W + colShift;
                    const dst = rowOff + i * oW;
                    if (s1 === 1) {
                        for (let j = jLo; j < jHi; j++)
                            col[dst + j] = x[src + j];
                    }
                    else {
                        for (let j = jLo; j < jHi; j++)
                            col[dst + j] = x[src + j * s1];
                    }
                }
            }
        }
    }
}
/** Adjoint of im2col: scatter-adds the column-matrix gradient into dx. */
function col2im(dcol, g, dx, xOff) {
    const { Cg, H, W, kH, kW, oH, oW, s0, s1, pt, pl, d0, d1, ohw } = g;
    let r = 0;
    for (let c = 0; c < Cg; c++) {
        const xc = xOff + c * H * W;
        for (let p = 0; p < kH; p++) {
            const rowShift = p * d0 - pt;
            const iLo = validLo(rowShift, s0);
            const iHi = validHi(rowShift, s0, H, oH);
            for (let q = 0; q < kW; q++, r++) {
                const colShift = q * d1 - pl;
                const jLo = validLo(colShift, s1);
                const jHi = validHi(colShift, s1, W, oW);
                const rowOff = r * ohw;
                for (let i = iLo; i < iHi; i++) {
                    const dst = xc + (i * s0 + rowShift) * W + colShift;
                    const src = rowOff + i * oW;
                    if (s1 === 1) {
                        for (let j = jLo; j < jHi; j++)
                            dx[dst + j] = dx[dst + j] + dcol[src + j];
                    }
                    else {
                        for (let j = jLo; j < jHi; j++)
                            dx[dst + j * s1] = dx[dst + j * s1] + dcol[src + j];
                    }
                }
            }
        }
    }
}
/**
 * ONNX Conv forward: y[n,m,i,j] = b[m] + Σ_{c,p,q} w[m,c,p,q] ·
 * x[n, g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1] with g = floor(m/Mg) and
 * x = 0 outside the input. x is [N,C,H,W], w is [M,C/group,kH,kW], y is [N,M,oH,oW].
 */
export function conv2d(x, w, b, a) {
    const g = geometry(x.dims, w.dims, a, 'conv2d');
    const { N, C, H, W, M, G, Cg, Mg, ckk, ohw } = g;
    if (b !== undefined && (b.data.length !== M || b.dims.length !== 1)) {
        throw new RangeError(`conv2d: bias ${fmt(b.dims)} does not match ${M} output channels`);
    }
    const y = new Float32Array(N * M * ohw);
    if (b !== undefined) {
        for (let n = 0; n < N; n++)
            for (let m = 0; m < M; m++)
                y.fill(b.data[m], (n * M + m) * ohw, (n * M + m + 1) * ohw);
    }
    const col = g.pointwise ? x.data : new Float32Array(ckk * ohw);
    for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < G; gi++) {
            const xOff = (n * C + gi * Cg) * H * W;
            if (!g.pointwise)
                im2col(x.data, xOff, g, col);
            gemmAccumulate(Mg, ohw, ckk, w.data, gi * Mg * ckk, false, col, g.pointwise ? xOff : 0, false, y, (n * M + gi * Mg) * ohw);
        }
    }
    return { dims: [N, M, g.oH, g.oW], data: y };
}
function checkDy(dy, g, what) {
    const want = [g.N, g.M, g.oH, g.oW];
    if (dy.dims.length !== 4 || dy.dims.some((d, i) => d !== want[i])) {
        throw new RangeError(`${what}: dy ${fmt(dy.dims)} does not match the convolution output ${fmt(want)}`);
    }
}
/**
 * Gradient of conv2d with respect to x (the transposed convolution):
 * dx[n, g·Cg + c, h, v] = Σ over (m in group g, i, j, p, q) with
 * i·s0 − pt + p·d0 = h and j·s1 − pl + q·d1 = v of dy[n,m,i,j]·w[m,c,p,q].
 * Input positions that no output window reaches get 0.
 */
export function conv2dInputGrad(dy, w, xDims, a) {
    const g = geometry(xDims, w.dims, a, 'conv2dInputGrad');
    checkDy(dy, g, 'conv2dInputGrad');
    const { N, C, H, W, M, G, Cg, Mg, ckk, ohw } = g;
    const dx = new Float32Array(N * C * H * W);
    const dcol = g.pointwise ? dx : new Float32Array(ckk * ohw);
    for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < G; gi++) {
            const xOff = (n * C + gi * Cg) * H * W;
            const dyOff = (n * M + gi * Mg) * ohw;
            if (g.pointwise) {
                gemmAccumulate(ckk, ohw, Mg, w.data, gi * Mg * ckk, true, dy.data, dyOff, false, dx, xOff);
            }
            else {
                dcol.fill(0);
                gemmAccumulate(ckk, ohw, Mg, w.data, gi * Mg * ckk, true, dy.data, dyOff, false, dcol, 0);
                col2im(dcol, g, dx, xOff);
            }
        }
    }
    return { dims: [N, C, H, W], data: dx };
}
/**
 * Gradient of conv2d with respect to w:
 * dw[m,c,p,q] = Σ_{n,i,j} dy[n,m,i,j] · x[n, g·Cg + c, i·s0 − pt + p·d0, j·s1 − pl + q·d1]
 * (x = 0 outside the input), g = floor(m/Mg).
 */
export function conv2dWeightGrad(x, dy, wDims, a) {
    const g = geometry(x.dims, wDims, a, 'conv2dWeightGrad');
    checkDy(dy, g, 'conv2dWeightGrad');
    const { N, C, H, W, M, G, Cg, Mg, ckk, ohw } = g;
    const dw = new Float32Array(M * ckk);
    const col = g.pointwise ? x.data : new Float32Array(ckk * ohw);
    for (let n = 0; n < N; n++) {
        for (let gi = 0; gi < G; gi++) {
            const xOff = (n * C + gi * Cg) * H * W;
            if (!g.pointwise)
                im2col(x.data, xOff, g, col);
            gemmAccumulate(Mg, ckk, ohw, dy.data, (n * M + gi * Mg) * ohw, false, col, g.pointwise ? xOff : 0, true, dw, gi * Mg * ckk);
        }
    }
    return { dims: [...wDims], data: dw };
}
/** Bias gradient of a channel-first output: db[m] = Σ_{n, spatial} dy[n,m,...]. */
export function reduceBiasGrad(dy) {
    if (dy.dims.length < 2)
        throw new RangeError(`reduceBiasGrad: dy must be [N,M,...], got ${fmt(dy.dims)}`);
    const N = dy.dims[0];
    const M = dy.dims[1];
    const inner = sizeOf(dy.dims.slice(2));
    const out = new Float32Array(M);
    const d = dy.data;
    for (let m = 0; m < M; m++) {
        let s = 0;
        for (let n = 0; n < N; n++) {
            const off = (n * M + m) * inner;
            for (let k = 0; k < inner; k++)
                s += d[off + k];
        }
        out[m] = s;
    }
    return { dims: [M], data: out };
}
