/**
 * AveragePool (1-D and 2-D): y = (Σ of the in-bounds window taps) / divisor,
 * the divisor counting the padded taps too when count_include_pad = 1.
 * Differentiable: X (0). Saves: X (its dims only).
 *
 *   ∂L/∂x = avgPool2dGrad(δ): every in-bounds tap of window k receives δ_k / divisor_k,
 *
 * the paper's `up(δ)` with its 1/n² factor (paper-rules.md, convolution layer
 * followed by an averaging subsampling layer) generalised to strides, pads,
 * dilations and ceil mode.
 * Emitted: δ times a constant map of 1/divisor, then Expand blocks for windows
 * that tile the input, else a ConvTranspose with an all-ones kernel.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import { avgPool2dGrad, pool2dOutputDims } from '../../tensor/pool.js';
import { reshape, sameShape } from '../../tensor/tensor.js';
import { reshapeEmit } from '../../compile/emit-helpers.js';
import { avgPool2dGradEmit, pooledGradEmit } from '../../compile/emit-shape-helpers.js';
import { savedDims } from './reshape.js';
function label(node) {
    return `node '${node.name}' (${node.opType})`;
}
/**
 * Pads from auto_pad as ONNX Runtime computes them: for SAME_UPPER/SAME_LOWER
 * the total is (⌈in/s⌉ − 1)·s + k − in with the undilated kernel k, the odd
 * unit going to the end (UPPER) or the start (LOWER); VALID pads nothing.
 */
function autoPads(node, mode, xSpatial, kernel, strides) {
    const r = xSpatial.length;
    const pads = new Array(2 * r).fill(0);
    if (mode === 'VALID')
        return pads;
    if (mode !== 'SAME_UPPER' && mode !== 'SAME_LOWER')
        throw new InputError(`${label(node)}: unknown auto_pad '${mode}'`);
    for (let a = 0; a < r; a++) {
        const inSize = xSpatial[a];
        const s = strides[a];
        const need = (Math.ceil(inSize / s) - 1) * s + kernel[a] - inSize;
        const head = mode === 'SAME_UPPER' ? Math.trunc(need / 2) : Math.trunc((need + 1) / 2);
        if (head < 0 || need - head < 0) {
            throw new UnsupportedError(`${label(node)}: auto_pad ${mode} gives negative pads for input size ${inSize}, kernel ${kernel[a]}, stride ${s}`);
        }
        pads[a] = head;
        pads[a + r] = need - head;
    }
    return pads;
}
/**
 * The window of an AveragePool/MaxPool node on an input of dims `xDims`:
 * kernel_shape, strides, pads or auto_pad, dilations, ceil_mode and
 * count_include_pad, with 1-D pooling expressed as 2-D pooling over H = 1.
 * Pooling over three or more spatial axes throws UnsupportedError.
 */
export function poolWindow(node, xDims) {
    const r = xDims.length - 2;
    if (r < 1)
        throw new InputError(`${label(node)}: input [${xDims.join(',')}] has no spatial axis`);
    if (r > 2)
        throw new UnsupportedError(`${label(node)}: ${r}-D pooling is not supported`);
    const a = node.attrs;
    const kernel = a.ints('kernel_shape', []);
    if (kernel.length !== r)
        throw new InputError(`${label(node)}: kernel_shape [${kernel.join(',')}] does not fit input [${xDims.join(',')}]`);
    const strides = a.ints('strides', new Array(r).fill(1));
    const dilations = a.ints('dilations', new Array(r).fill(1));
    const autoPad = a.string('auto_pad', 'NOTSET');
    const spatial = xDims.slice(2);
    const pads = autoPad === 'NOTSET' ? a.ints('pads', new Array(2 * r).fill(0)) : autoPads(node, autoPad, spatial, kernel, strides);
    if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r) {
        throw new InputError(`${label(node)}: strides, dilations or pads do not fit ${r} spatial axes`);
    }
    const ceilMode = a.int('ceil_mode', 0) !== 0;
    const countIncludePad = a.int('count_include_pad', 0) !== 0;
    const [N, C] = xDims;
    const attrs = r === 1
        ? { kernel: [1, kernel[0]], strides: [1, strides[0]], pads: [0, pads[0], 0, pads[1]], dilations: [1, dilations[0]], ceilMode, countIncludePad }
        : {
            kernel: [kernel[0], kernel[1]], strides: [strides[0], strides[1]],
            pads: [pads[0], pads[1], pads[2], pads[3]], dilations: [dilations[0], dilations[1]], ceilMode, countIncludePad,
        };
    const dims4 = r === 1 ? [N, C, 1, spatial[0]] : [...xDims];
    return { attrs, dims4, out4: pool2dOutputDims(dims4, attrs) };
}
/** δ (the gradient of the pooled output) in the window's [N,C,oH,oW] form, after checking its size. */
export function pooledGrad(ctx, w) {
    const dy = ctx.gradOutputs[0];
    const flat = (d) => (d.length === 3 ? [d[0], d[1], 1, d[2]] : [...d]);
    if (!sameShape(flat(dy.dims), w.out4)) {
        throw new InputError(`${label(ctx.node)}: output gradient [${dy.dims.join(',')}] does not match the pooled shape [${w.out4.join(',')}]`);
    }
    return reshape(dy, w.out4);
}
export const averagePool = {
    differentiable: [0],
    saves: { inputs: [0], outputs: [] },
    vjp(ctx) {
        const xDims = savedDims(ctx, 0);
        const w = poolWindow(ctx.node, xDims);
        return [reshape(avgPool2dGrad(pooledGrad(ctx, w), w.dims4, w.attrs), xDims)];
    },
    emit(ctx) {
        const xDims = ctx.dims(ctx.inputs[0]);
        const w = poolWindow(ctx.node, xDims);
        return [reshapeEmit(ctx, avgPool2dGradEmit(ctx, pooledGradEmit(ctx, w), w), w.dims4, xDims)];
    },
};
