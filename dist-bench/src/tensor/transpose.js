/** Axis permutation (ONNX Transpose) and its inverse. */
import { sizeOf, stridesOf } from './tensor.js';
function checkPerm(perm, rank, what) {
    if (perm.length !== rank)
        throw new RangeError(`${what}: perm [${perm.join(',')}] has ${perm.length} entries for rank ${rank}`);
    const seen = new Uint8Array(rank);
    for (const p of perm) {
        if (!Number.isInteger(p) || p < 0 || p >= rank || seen[p]) {
            throw new RangeError(`${what}: perm [${perm.join(',')}] is not a permutation of 0..${rank - 1}`);
        }
        seen[p] = 1;
    }
}
/** The permutation q with q[perm[i]] = i, so transpose(transpose(x, perm), q) = x. */
export function invertPerm(perm) {
    checkPerm(perm, perm.length, 'invertPerm');
    const inv = new Array(perm.length);
    for (let i = 0; i < perm.length; i++)
        inv[perm[i]] = i;
    return inv;
}
/**
 * ONNX Transpose: y.dims[i] = x.dims[perm[i]] and
 * y[i_0..i_{r-1}] = x[j] with j[perm[k]] = i_k. An empty perm on a tensor of
 * rank > 0 means reversing the axes (the ONNX default).
 */
export function transpose(x, perm) {
    const rank = x.dims.length;
    const p = perm.length === 0 && rank > 0 ? x.dims.map((_, i) => rank - 1 - i) : perm;
    checkPerm(p, rank, 'transpose');
    const dims = p.map((a) => x.dims[a]);
    const xs = stridesOf(x.dims);
    const rs = p.map((a) => xs[a]);
    const total = sizeOf(dims);
    const out = new Float32Array(total);
    if (total === 0)
        return { dims, data: out };
    const src = x.data;
    if (rank === 0 || p.every((a, i) => a === i)) {
        out.set(src);
        return { dims, data: out };
    }
    const inner = dims[rank - 1];
    const step = rs[rank - 1];
    const outer = total / inner;
    const idx = new Int32Array(rank);
    let off = 0;
    let o = 0;
    for (let r = 0; r < outer; r++) {
        for (let j = 0; j < inner; j++)
            out[o++] = src[off + j * step];
        for (let d = rank - 2; d >= 0; d--) {
            idx[d]++;
            off += rs[d];
            if (idx[d] < dims[d])
                break;
            off -= rs[d] * dims[d];
            idx[d] = 0;
        }
    }
    return { dims, data: out };
}
