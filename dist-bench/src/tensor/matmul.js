/** Dense matrix products: a strided GEMM core, 2-D matmul and ONNX MatMul. */
import { broadcastShape } from './broadcast.js';
import { sizeOf, stridesOf } from './tensor.js';
function fmt(dims) {
    return `[${dims.join(',')}]`;
}
/**
 * C += op(A) · op(B) on flat row-major buffers, where op(A) is M×K and op(B)
 * is K×N. A is stored M×K (or K×M when transA), B is stored K×N (or N×K when
 * transB), C is M×N; each starts at its offset.
 */
export function gemmAccumulate(M, N, K, a, aOff, transA, b, bOff, transB, c, cOff) {
    if (M === 0 || N === 0 || K === 0)
        return;
    if (transB) {
        if (transA) {
            // Materialising A keeps the dot products below contiguous in both operands.
            const at = new Float32Array(M * K);
            for (let k = 0; k < K; k++) {
                const row = aOff + k * M;
                for (let i = 0; i < M; i++)
                    at[i * K + k] = a[row + i];
            }
            gemmNT(M, N, K, at, 0, b, bOff, c, cOff);
        }
        else {
            gemmNT(M, N, K, a, aOff, b, bOff, c, cOff);
        }
        return;
    }
    // Rows of C accumulate Σ_k A[i,k]·B[k,:]; the innermost loop runs along
    // contiguous rows of B and C. Two rows of C and four of B per pass keep the
    // loads of C and B low per multiply-add.
    const aRowStep = transA ? 1 : K;
    const aColStep = transA ? M : 1;
    const K4 = K - (K % 4);
    const M2 = M - (M % 2);
    let i = 0;
    for (; i < M2; i += 2) {
        const c0 = cOff + i * N;
        const c1 = c0 + N;
        const a0i = aOff + i * aRowStep;
        const a1i = a0i + aRowStep;
        let k = 0;
        for (; k < K4; k += 4) {
            const ka = k * aColStep;
            const x0 = a[a0i + ka];
            const x1 = a[a0i + ka + aColStep];
            const x2 = a[a0i + ka + 2 * aColStep];
            const x3 = a[a0i + ka + 3 * aColStep];
            const y0 = a[a1i + ka];
            const y1 = a[a1i + ka + aColStep];
            const y2 = a[a1i + ka + 2 * aColStep];
            const y3 = a[a1i + ka + 3 * aColStep];
            const b0 = bOff + k * N;
            const b1 = b0 + N;
            const b2 = b1 + N;
            const b3 = b2 + N;
            for (let j = 0; j < N; j++) {
                const v0 = b[b0 + j];
                const v1 = b[b1 + j];
                const v2 = b[b2 + j];
                const v3 = b[b3 + j];
                c[c0 + j] = c[c0 + j] + x0 * v0 + x1 * v1 + x2 * v2 + x3 * v3;
                c[c1 + j] = c[c1 + j] + y0 * v0 + y1 * v1 + y2 * v2 + y3 * v3;
            }
        }
        for (; k < K; k++) {
            const x0 = a[a0i + k * aColStep];
            const y0 = a[a1i + k * aColStep];
            const bk = bOff + k * N;
            for (let j = 0; j < N; j++) {
                const v = b[bk + j];
                c[c0 + j] = c[c0 + j] + x0 * v;
                c[c1 + j] = c[c1 + j] + y0 * v;
            }
        }
    }
    for (; i < M; i++) {
        const ci = cOff + i * N;
        const ai = aOff + i * aRowStep;
        let k = 0;
        for (; k < K4; k += 4) {
            const a0 = a[ai + k * aColStep];
            const a1 = a[ai + (k + 1) * aColStep];
            const a2 = a[ai + (k + 2) * aColStep];
            const a3 = a[ai + (k + 3) * aColStep];
            const b0 = bOff + k * N;
            const b1 = b0 + N;
            const b2 = b1 + N;
            const b3 = b2 + N;
            for (let j = 0; j < N; j++) {
                c[ci + j] = c[ci + j] + a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
            }
        }
        for (; k < K; k++) {
            const av = a[ai + k * aColStep];
            const bk = bOff + k * N;
            for (let j = 0; j < N; j++)
                c[ci + j] = c[ci + j] + av * b[bk + j];
        }
    }
}
/**
 * C += A · Bᵀ with A stored M×K and B stored N×K: contiguous dot products,
 * computed for 2×2 blocks of C so each loaded value feeds two products.
 */
function gemmNT(M, N, K, a, aOff, b, bOff, c, cOff) {
    const M2 = M - (M % 2);
    const N2 = N - (N % 2);
    let i = 0;
    for (; i < M2; i += 2) {
        const a0 = aOff + i * K;
        const a1 = a0 + K;
        const c0 = cOff + i * N;
        const c1 = c0 + N;
        let j = 0;
        for (; j < N2; j += 2) {
            const b0 = bOff + j * K;
            const b1 = b0 + K;
            let s00 = 0;
            let s01 = 0;
            let s10 = 0;
            let s11 = 0;
            for (let k = 0; k < K; k++) {
                const x0 = a[a0 + k];
                const x1 = a[a1 + k];
                const y0 = b[b0 + k];
                const y1 = b[b1 + k];
                s00 += x0 * y0;
                s01 += x0 * y1;
                s10 += x1 * y0;
                s11 += x1 * y1;
            }
            c[c0 + j] = c[c0 + j] + s00;
            c[c0 + j + 1] = c[c0 + j + 1] + s01;
            c[c1 + j] = c[c1 + j] + s10;
            c[c1 + j + 1] = c[c1 + j + 1] + s11;
        }
        if (j < N) {
            const bj = bOff + j * K;
            let s0 = 0;
            let s1 = 0;
            for (let k = 0; k < K; k++) {
                const y = b[bj + k];
                s0 += a[a0 + k] * y;
                s1 += a[a1 + k] * y;
            }
            c[c0 + j] = c[c0 + j] + s0;
            c[c1 + j] = c[c1 + j] + s1;
        }
    }
    if (i < M) {
        const ai = aOff + i * K;
        const ci = cOff + i * N;
        for (let j = 0; j < N; j++) {
            const bj = bOff + j * K;
            let s = 0;
            for (let k = 0; k < K; k++)
                s += a[ai + k] * b[bj + k];
            c[ci + j] = c[ci + j] + s;
        }
    }
}
/**
 * 2-D product op(a) · op(b): a is [M,K] ([K,M] when transA), b is [K,N]
 * ([N,K] when transB); the result is [M,N] with y[i,j] = Σ_k op(a)[i,k]·op(b)[k,j].
 */
export function matmul(a, b, transA = false, transB = false) {
    if (a.dims.length !== 2 || b.dims.length !== 2) {
        throw new RangeError(`matmul: operands must be 2-D, got ${fmt(a.dims)} and ${fmt(b.dims)}`);
    }
    const M = transA ? a.dims[1] : a.dims[0];
    const K = transA ? a.dims[0] : a.dims[1];
    const Kb = transB ? b.dims[1] : b.dims[0];
    const N = transB ? b.dims[0] : b.dims[1];
    if (K !== Kb) {
        throw new RangeError(`matmul: inner dimensions differ: a ${fmt(a.dims)}${transA ? 'ᵀ' : ''} vs b ${fmt(b.dims)}${transB ? 'ᵀ' : ''}`);
    }
    const out = new Float32Array(M * N);
    gemmAccumulate(M, N, K, a.data, 0, transA, b.data, 0, transB, out, 0);
    return { dims: [M, N], data: out };
}
/**
 * ONNX MatMul (numpy matmul): the last two axes are multiplied as matrices and
 * the leading axes broadcast. A 1-D a is treated as [1,K] and a 1-D b as [K,1],
 * and the inserted axis is removed from the result.
 */
export function batchedMatmul(a, b) {
    if (a.dims.length === 0 || b.dims.length === 0) {
        throw new RangeError(`batchedMatmul: scalar operand in ${fmt(a.dims)} x ${fmt(b.dims)}`);
    }
    const aDims = a.dims.length === 1 ? [1, a.dims[0]] : a.dims;
    const bDims = b.dims.length === 1 ? [b.dims[0], 1] : b.dims;
    const M = aDims[aDims.length - 2];
    const K = aDims[aDims.length - 1];
    const N = bDims[bDims.length - 1];
    if (bDims[bDims.length - 2] !== K) {
        throw new RangeError(`batchedMatmul: inner dimensions differ in ${fmt(a.dims)} x ${fmt(b.dims)}`);
    }
    const aBatch = aDims.slice(0, -2);
    const bBatch = bDims.slice(0, -2);
    let batch;
    try {
        batch = broadcastShape(aBatch, bBatch);
    }
    catch {
        throw new RangeError(`batchedMatmul: batch dimensions of ${fmt(a.dims)} and ${fmt(b.dims)} do not broadcast`);
    }
    const rank = batch.length;
    // Per-batch-axis strides in units of whole matrices; 0 where the axis is broadcast.
    const matStrides = (dims) => {
        const s = stridesOf(dims);
        const out = new Array(rank).fill(0);
        for (let i = 0; i < dims.length; i++)
            if (dims[i] !== 1)
                out[rank - dims.length + i] = s[i];
        return out;
    };
    const sa = matStrides(aBatch);
    const sb = matStrides(bBatch);
    const nBatch = sizeOf(batch);
    const out = new Float32Array(nBatch * M * N);
    for (let t = 0; t < nBatch; t++) {
        let rem = t;
        let ia = 0;
        let ib = 0;
        for (let d = rank - 1; d >= 0; d--) {
            const n = batch[d];
            const i = rem % n;
            rem = (rem - i) / n;
            ia += i * sa[d];
            ib += i * sb[d];
        }
        gemmAccumulate(M, N, K, a.data, ia * M * K, false, b.data, ib * K * N, false, out, t * M * N);
    }
    const dims = [...batch];
    if (a.dims.length > 1)
        dims.push(M);
    if (b.dims.length > 1)
        dims.push(N);
    return { dims, data: out };
}
