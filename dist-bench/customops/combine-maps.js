/**
 * edgetune.CombineMaps — the paper's learned combination of feature maps (§3.3):
 *
 *   α = softmax(c) over axis 0          (α[i,j] = exp c[i,j] / Σ_k exp c[k,j])
 *   Y[b,j] = Σ_i α[i,j] · Z[b,i] + bias[j]
 *
 * Z [N,I,H,W] (typically a depthwise Conv's output, x_i ∗ k_i), c [I,J],
 * bias [J]; Y [N,J,H,W]. The body is a 1×1 Conv whose kernel is αᵀ.
 */
import { fn, node, opset } from '../src/onnx/builder.js';
import { EDGETUNE_DOMAIN } from './domain.js';
export const COMBINE_MAPS = 'CombineMaps';
export function combineMapsFunction(opsetVersion) {
    const nodes = [
        node('Constant', [], ['ax23'], { value_ints: [2, 3] }),
        node('Softmax', ['c'], ['alpha'], { axis: 0 }),
        node('Transpose', ['alpha'], ['alphaT'], { perm: [1, 0] }),
        node('Unsqueeze', ['alphaT', 'ax23'], ['kernel']),
        node('Conv', ['Z', 'kernel', 'bias'], ['Y']),
    ];
    return fn(EDGETUNE_DOMAIN, COMBINE_MAPS, ['Z', 'c', 'bias'], ['Y'], nodes, [], [opset('', opsetVersion)], 'Y[b,j] = sum_i softmax(c, axis 0)[i,j] * Z[b,i] + bias[j].');
}
/** softmax over axis 0 of c [I,J]. */
export function softmaxColumns(c, I, J) {
    const a = new Float64Array(I * J);
    for (let j = 0; j < J; j++) {
        let m = -Infinity;
        for (let i = 0; i < I; i++)
            m = Math.max(m, c[i * J + j]);
        let s = 0;
        for (let i = 0; i < I; i++)
            s += (a[i * J + j] = Math.exp(c[i * J + j] - m));
        for (let i = 0; i < I; i++)
            a[i * J + j] /= s;
    }
    return a;
}
/** Plain reference of the op, for tests. */
export function combineMapsReference(z, dims, c, J, bias) {
    const [N, I, H, W] = dims;
    const a = softmaxColumns(c, I, J);
    const hw = H * W;
    const y = new Float32Array(N * J * hw);
    for (let b = 0; b < N; b++)
        for (let j = 0; j < J; j++)
            for (let p = 0; p < hw; p++) {
                let s = bias[j];
                for (let i = 0; i < I; i++)
                    s += a[i * J + j] * z[(b * I + i) * hw + p];
                y[(b * J + j) * hw + p] = s;
            }
    return { y, dims: [N, J, H, W] };
}
