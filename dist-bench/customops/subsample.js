/**
 * edgetune.Subsample — the paper's subsampling layer without its activation:
 *
 *   Y[b,c,i,j] = beta[c] · Σ_{p,q<n} X[b,c,i·n+p, j·n+q] + bias[c]      (β·down(x) + b)
 *
 * X [N,C,H,W], beta [C], bias [C]; int attribute `size` = n (default 2);
 * Y [N,C,⌊H/n⌋,⌊W/n⌋]. Rows and columns past the last whole block are ignored.
 * With beta = 1/n² it is mean pooling, as the classic MATLAB toolboxes do.
 *
 * The body crops X to whole blocks, reshapes to [N,C,H/n,n,W/n,n] and sums
 * the two block axes, so it runs on every execution provider.
 */
import { attr, fn, node, opset } from '../src/onnx/builder.js';
import { EDGETUNE_DOMAIN } from './domain.js';
export const SUBSAMPLE = 'Subsample';
export function subsampleFunction(opsetVersion) {
    const c = (name, values) => node('Constant', [], [name], { value_ints: values });
    const nodes = [
        node('Constant', [], ['n'], {}),
        c('zero2', [0, 0]), c('axes23', [2, 3]), c('s0', [0]), c('s2', [2]), c('s3', [3]), c('s4', [4]),
        c('ax0', [0]), c('ax12', [1, 2]), c('ax35', [3, 5]),
        node('Shape', ['X'], ['shp']),
        node('Slice', ['shp', 's0', 's2'], ['nc']),
        node('Slice', ['shp', 's2', 's3'], ['h']),
        node('Slice', ['shp', 's3', 's4'], ['w']),
        node('Unsqueeze', ['n', 'ax0'], ['n1']),
        node('Div', ['h', 'n1'], ['hn']),
        node('Div', ['w', 'n1'], ['wn']),
        node('Mul', ['hn', 'n1'], ['hc']),
        node('Mul', ['wn', 'n1'], ['wc']),
        node('Concat', ['hc', 'wc'], ['ends'], { axis: 0 }),
        node('Slice', ['X', 'zero2', 'ends', 'axes23'], ['xc']),
        node('Concat', ['nc', 'hn', 'n1', 'wn', 'n1'], ['blocks'], { axis: 0 }),
        node('Reshape', ['xc', 'blocks'], ['xb']),
        node('ReduceSum', ['xb', 'ax35'], ['d'], { keepdims: 0 }),
        node('Unsqueeze', ['beta', 'ax12'], ['beta3']),
        node('Unsqueeze', ['bias', 'ax12'], ['bias3']),
        node('Mul', ['d', 'beta3'], ['scaled']),
        node('Add', ['scaled', 'bias3'], ['Y']),
    ];
    nodes[0].attribute = [attr('value_int', { ref: 'size', type: 'int' })];
    const f = fn(EDGETUNE_DOMAIN, SUBSAMPLE, ['X', 'beta', 'bias'], ['Y'], nodes, [], [opset('', opsetVersion)], 'Y = beta[c] * down_n(X) + bias[c]: sum of each n×n block, per-map scale and bias.');
    f.attribute_proto = [attr('size', 2)];
    return f;
}
/** Plain reference of the op, for tests. */
export function subsampleReference(x, dims, beta, bias, n) {
    const [N, C, H, W] = dims;
    const oh = Math.floor(H / n), ow = Math.floor(W / n);
    const y = new Float32Array(N * C * oh * ow);
    for (let b = 0; b < N; b++)
        for (let c = 0; c < C; c++)
            for (let i = 0; i < oh; i++)
                for (let j = 0; j < ow; j++) {
                    let s = 0;
                    for (let p = 0; p < n; p++)
                        for (let q = 0; q < n; q++)
                            s += x[((b * C + c) * H + i * n + p) * W + j * n + q];
                    y[((b * C + c) * oh + i) * ow + j] = beta[c] * s + bias[c];
                }
    return { y, dims: [N, C, oh, ow] };
}
