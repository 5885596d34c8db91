/**
 * What a gradient rule is: one ONNX op's vector–Jacobian product.
 *
 * A rule declares which inputs can carry a gradient and which forward values
 * its VJP reads (the training view makes exactly those into graph outputs),
 * then maps ∂L/∂outputs to ∂L/∂inputs. Rules read forward values, never run
 * the op again through ONNX Runtime.
 */
import { InputError } from '../errors.js';
function label(ctx) {
    return `node '${ctx.node.name}' (${ctx.node.opType})`;
}
/** The forward value of input i as a float32 Tensor (the rule must have saved it). */
export function floatIn(ctx, i) {
    return asFloat(ctx.inputs[i], `${label(ctx)} input ${i}`);
}
export function floatOut(ctx, i) {
    return asFloat(ctx.outputs[i], `${label(ctx)} output ${i}`);
}
/** Input i as plain numbers (for shape-like int64/int32 inputs such as Reshape's shape). */
export function intsIn(ctx, i) {
    const t = ctx.inputs[i];
    if (!t)
        throw new InputError(`${label(ctx)}: input ${i} was not saved`);
    return Array.from(t.data, (v) => Number(v));
}
/** The gradient of output i, or zeros shaped like the saved output when none flows back. */
export function gradOut(ctx, i = 0) {
    return ctx.gradOutputs[i];
}
export function asFloat(t, what) {
    if (!t)
        throw new InputError(`${what} was not saved for the backward pass`);
    if (t.data instanceof Float32Array)
        return { dims: t.dims, data: t.data };
    if (t.data instanceof Float64Array)
        return { dims: t.dims, data: Float32Array.from(t.data) };
    throw new InputError(`${what} is ${t.data.constructor.name}, gradients need float32`);
}
export function differentiableInputs(rule, node) {
    return typeof rule.differentiable === 'function' ? rule.differentiable(node) : rule.differentiable;
}
export function savesOf(rule, node) {
    return typeof rule.saves === 'function' ? rule.saves(node) : rule.saves;
}
/** Every input of the node: the saves of variadic ops such as Sum and Concat. */
export function everyInput(node) {
    return { inputs: node.inputs.map((_, i) => i), outputs: [] };
}
