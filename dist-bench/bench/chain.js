/**
 * A benchmarked model as a chain of layers with their shapes: what the TF.js
 * peers rebuild, and what the analytic FLOP count walks. Only the ops of the
 * shipped CNNs are understood (Conv, edgetune.TableConv, edgetune.Subsample,
 * Tanh, Sigmoid, Relu, Flatten, Gemm), each node reading the previous node's
 * output.
 */
import { EDGETUNE_DOMAIN } from '../customops/index.js';
import { EdgetuneError } from '../src/errors.js';
import { Attrs } from '../src/graph/attributes.js';
export class BenchModelError extends EdgetuneError {
    name = 'BenchModelError';
}
const ACTS = { Tanh: 'tanh', Sigmoid: 'sigmoid', Relu: 'relu' };
function dimsOf(model, name) {
    return model.read(name).dims.map(Number);
}
/**
 * The model's graph as a layer chain with per-sample shapes, for an input of
 * per-sample shape `inputShape` (default: the declared one without N).
 */
export function chainOf(model, inputShape) {
    const input = model.inputs[0];
    if (!input)
        throw new BenchModelError(`${model.file}: the model has no inputs`);
    const declared = input.dims?.slice(1).map((d) => (typeof d === 'number' ? d : NaN));
    let shape = inputShape ?? declared ?? [];
    if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d))) {
        throw new BenchModelError(`${model.file}: input '${input.name}' needs a known per-sample shape [C,H,W], got [${shape.join(',')}]`);
    }
    const inputShapeFixed = [...shape];
    let current = input.name;
    const layers = [];
    for (const node of model.graph.node) {
        const name = node.name ?? node.output[0] ?? '?';
        const op = node.op_type ?? '';
        const custom = node.domain === EDGETUNE_DOMAIN;
        if (node.input[0] !== current) {
            throw new BenchModelError(`${model.file}: node '${name}' does not read the previous node's output '${current}' (only plain chains are benchmarked)`);
        }
        const a = new Attrs(node);
        const inShape = [...shape];
        if (op === 'Conv' || (custom && op === 'TableConv')) {
            const w = dimsOf(model, node.input[1]);
            const [cout, cin, kh, kw] = w;
            const p = a.ints('pads', [0, 0, 0, 0]);
            const s = a.ints('strides', [1, 1]);
            if (a.int('group', 1) !== 1 || a.ints('dilations', [1, 1]).some((d) => d !== 1) || a.string('auto_pad', 'NOTSET') !== 'NOTSET') {
                throw new BenchModelError(`${model.file}: node '${name}' uses group, dilations or auto_pad, which the bench does not rebuild`);
            }
            const pads = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
            const strides = [s[0] ?? 1, s[1] ?? 1];
            const oh = Math.floor((inShape[1] + pads[0] + pads[2] - kh) / strides[0]) + 1;
            const ow = Math.floor((inShape[2] + pads[1] + pads[3] - kw) / strides[1]) + 1;
            shape = [cout, oh, ow];
            layers.push({
                kind: 'conv', name, weight: node.input[1], bias: node.input[2] || undefined, pads, strides, kh, kw, cin, cout,
                table: op === 'TableConv' ? a.ints('table', []) : undefined, inShape, outShape: [...shape],
            });
        }
        else if (custom && op === 'Subsample') {
            const n = a.int('size', 2);
            shape = [inShape[0], Math.floor(inShape[1] / n), Math.floor(inShape[2] / n)];
            layers.push({ kind: 'subsample', name, beta: node.input[1], bias: node.input[2], size: n, inShape, outShape: [...shape] });
        }
        else if (!custom && op in ACTS) {
            layers.push({ kind: 'act', name, fn: ACTS[op], inShape, outShape: [...shape] });
        }
        else if (!custom && op === 'Flatten') {
            if (a.int('axis', 1) !== 1)
                throw new BenchModelError(`${model.file}: node '${name}' flattens from axis ${a.int('axis', 1)}, only axis 1 is rebuilt`);
            shape = [shape.reduce((x, y) => x * y, 1)];
            layers.push({ kind: 'flatten', name, inShape, outShape: [...shape] });
        }
        else if (!custom && op === 'Gemm') {
            const transB = a.int('transB', 0) === 1;
            if (a.int('transA', 0) !== 0 || a.float('alpha', 1) !== 1 || a.float('beta', 1) !== 1) {
                throw new BenchModelError(`${model.file}: node '${name}' uses transA, alpha or beta, which the bench does not rebuild`);
            }
            const w = dimsOf(model, node.input[1]);
            const [outFeatures, inFeatures] = (transB ? w : [w[1], w[0]]);
            shape = [outFeatures];
            layers.push({ kind: 'gemm', name, weight: node.input[1], bias: node.input[2] || undefined, transB, inFeatures, outFeatures, inShape, outShape: [...shape] });
        }
        else {
            throw new BenchModelError(`${model.file}: node '${name}' is ${custom ? `${EDGETUNE_DOMAIN}.` : ''}${op}, which the bench does not rebuild`);
        }
        current = node.output[0];
    }
    const output = model.outputs[0]?.name ?? current;
    if (output !== current)
        throw new BenchModelError(`${model.file}: the output '${output}' is not the last node's output '${current}'`);
    return { input: input.name, output, inputShape: inputShapeFixed, layers };
}
/**
 * FLOPs of one batch of n through the chain's Conv/TableConv/Gemm layers:
 * conv forward 2·n·M·C·kh·kw·oh·ow (TableConv counted dense, as ONNX Runtime
 * computes it with a masked kernel), Gemm forward 2·n·in·out; backward is the
 * same count again for ∂W and once more for ∂X except on the first layer,
 * whose input needs no gradient. Element-wise ops, pooling and the loss are
 * left out (well under 1% of the total for these nets).
 */
export function flopsOf(chain, n) {
    let forward = 0, backward = 0, first = true;
    for (const l of chain.layers) {
        let f = 0;
        if (l.kind === 'conv')
            f = 2 * n * l.cout * l.cin * l.kh * l.kw * l.outShape[1] * l.outShape[2];
        else if (l.kind === 'gemm')
            f = 2 * n * l.inFeatures * l.outFeatures;
        else
            continue;
        forward += f;
        backward += first ? f : 2 * f;
        first = false;
    }
    return { forward, backward };
}
