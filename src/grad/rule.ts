/**
 * What a gradient rule is: one ONNX op's vector–Jacobian product.
 *
 * A rule declares which inputs can carry a gradient and which forward values
 * its VJP reads (the training view makes exactly those into graph outputs),
 * then maps ∂L/∂outputs to ∂L/∂inputs. Rules read forward values, never run
 * the op again through ONNX Runtime.
 */
import { InputError } from '../errors.js';
import type { NodeView } from '../graph/graph.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Emitter } from '../compile/emit.js';

export interface RuleContext {
  node: NodeView;
  /** forward values of the inputs the rule saves (undefined elsewhere and for absent optional inputs) */
  inputs: readonly (HostTensor | undefined)[];
  /** forward values of the outputs the rule saves */
  outputs: readonly (HostTensor | undefined)[];
  /** ∂L/∂output for each output (undefined where no gradient flows back) */
  gradOutputs: readonly (Tensor | undefined)[];
  /** which inputs need a gradient */
  needs: readonly boolean[];
  /** the model's default-domain opset version */
  opset: number;
}

export interface RuleSaves {
  inputs: readonly number[];
  outputs: readonly number[];
}

export interface GradRule {
  /** input indices that can carry a gradient */
  differentiable: readonly number[] | ((node: NodeView) => readonly number[]);
  /** forward values the VJP reads (a function of the node for variadic ops); constant inputs are given anyway */
  saves: RuleSaves | ((node: NodeView) => RuleSaves);
  /** ∂L/∂inputs, aligned with the node's inputs (undefined where not needed or not differentiable) */
  vjp(ctx: RuleContext): (Tensor | undefined)[];
  /** the same VJP written as ONNX nodes (src/compile/emit.ts), for the compiled training step */
  emit?: Emitter;
  /**
   * Inputs (small 1-D tensors) whose values the shape pass reads for the
   * emitter when they are computed at run time (EmitContext.recordedValues).
   */
  emitReads?: (node: NodeView, opset: number) => readonly number[];
}

function label(ctx: RuleContext): string {
  return `node '${ctx.node.name}' (${ctx.node.opType})`;
}

/** The forward value of input i as a float32 Tensor (the rule must have saved it). */
export function floatIn(ctx: RuleContext, i: number): Tensor {
  return asFloat(ctx.inputs[i], `${label(ctx)} input ${i}`);
}

export function floatOut(ctx: RuleContext, i: number): Tensor {
  return asFloat(ctx.outputs[i], `${label(ctx)} output ${i}`);
}

/** Input i as plain numbers (for shape-like int64/int32 inputs such as Reshape's shape). */
export function intsIn(ctx: RuleContext, i: number): number[] {
  const t = ctx.inputs[i];
  if (!t) throw new InputError(`${label(ctx)}: input ${i} was not saved`);
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** The gradient of output i, or zeros shaped like the saved output when none flows back. */
export function gradOut(ctx: RuleContext, i = 0): Tensor | undefined {
  return ctx.gradOutputs[i];
}

export function asFloat(t: HostTensor | undefined, what: string): Tensor {
  if (!t) throw new InputError(`${what} was not saved for the backward pass`);
  if (t.data instanceof Float32Array) return { dims: t.dims, data: t.data };
  if (t.data instanceof Float64Array) return { dims: t.dims, data: Float32Array.from(t.data) };
  throw new InputError(`${what} is ${t.data.constructor.name}, gradients need float32`);
}

export function differentiableInputs(rule: GradRule, node: NodeView): readonly number[] {
  return typeof rule.differentiable === 'function' ? rule.differentiable(node) : rule.differentiable;
}

export function savesOf(rule: GradRule, node: NodeView): RuleSaves {
  return typeof rule.saves === 'function' ? rule.saves(node) : rule.saves;
}

/** Every input of the node: the saves of variadic ops such as Sum and Concat. */
export function everyInput(node: NodeView): RuleSaves {
  return { inputs: node.inputs.map((_, i) => i), outputs: [] };
}
