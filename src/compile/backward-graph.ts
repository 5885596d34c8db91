/**
 * The backward pass as one ONNX graph: the model's forward nodes, then every
 * on-path node's emitted VJP in reverse topological order, with gradients
 * summed (Add) where a value feeds several nodes. The graph takes the trained
 * parameters and ∂L/∂output as inputs and returns ∂L/∂θ for every parameter,
 * so ONNX Runtime runs backward as fast as forward, on any execution provider.
 */
import { UnsupportedError } from '../errors.js';
import type { BackwardPlan } from '../grad/plan.js';
import { ruleKey } from '../grad/rules/index.js';
import type { OnnxModel } from '../model.js';
import { findTensor } from '../graph/constant-tensors.js';
import { valueInfo } from '../onnx/builder.js';
import { DataType } from '../onnx/dtypes.js';
import { defaultOpset } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/types.js';
import { trainingView } from '../runtime/training-view.js';
import { GraphEmitter, type EmitterOptions } from './emit.js';

export const GRAD_OUTPUT = 'edgetune.grad_output';
export const gradName = (param: string) => `edgetune.grad/${param}`;

/** The on-path ops that have no emitter (each once, with a node that uses it). */
export function missingEmitters(plan: BackwardPlan): { opType: string; node: string }[] {
  const seen = new Map<string, string>();
  for (const s of plan.steps) {
    const key = ruleKey(s.node.domain, s.node.opType);
    if (!s.rule.emit && !seen.has(key)) seen.set(key, s.node.name);
  }
  return [...seen].map(([opType, node]) => ({ opType, node }));
}

export interface BackwardGraph {
  proto: ModelProto;
  /** ∂L/∂θ value name per parameter (outputs of the graph) */
  grads: Map<string, string>;
  emitter: GraphEmitter;
}

/**
 * Append the backward nodes for `plan` to a graph emitter, starting from the
 * value named `gradOutput` (∂L/∂ plan.output). Returns ∂L/∂θ names.
 */
export function emitBackward(plan: BackwardPlan, emitter: GraphEmitter, gradOutput: string, opset: number): Map<string, string> {
  const missing = missingEmitters(plan);
  if (missing.length > 0) {
    throw new UnsupportedError(`no ONNX emitter for ${missing.map((m) => `${m.opType} (node ${m.node})`).join(', ')}`);
  }
  const grads = new Map<string, string>([[plan.output, gradOutput]]);
  emitter.recordForward(plan.steps.map((s) => s.node));
  for (let s = plan.steps.length - 1; s >= 0; s--) {
    const { node, rule, needs } = plan.steps[s]!;
    const gradOutputs = node.outputs.map((o) => grads.get(o));
    if (gradOutputs.every((g) => g === undefined)) continue;
    const ctx = emitter.context({ node, inputs: node.inputs, outputs: node.outputs, gradOutputs, needs, opset });
    const result = rule.emit!(ctx);
    node.inputs.forEach((v, k) => {
      if (!needs[k]) return;
      const g = result[k];
      if (!g) throw new UnsupportedError(`emitter for ${node.opType} (node '${node.name}') gave no gradient for input ${k}`);
      const prev = grads.get(v);
      grads.set(v, prev ? emitter.add('Add', [prev, g])[0]! : g);
    });
  }
  const out = new Map<string, string>();
  for (const p of plan.params) {
    const g = grads.get(p);
    out.set(p, g ?? emitter.floats(new Array<number>(emitter.dims(p).reduce((a, b) => a * b, 1)).fill(0), emitter.dims(p)));
  }
  return out;
}

/** A model computing ∂L/∂θ from the batch, the parameters and ∂L/∂output. */
export function compileBackward(model: OnnxModel, plan: BackwardPlan, shapes: Map<string, readonly number[]>, opts: EmitterOptions = {}): BackwardGraph {
  const proto = trainingView(model, plan.params, []);
  const g = proto.graph!;
  g.output = [];
  const emitter = new GraphEmitter(shapes, 'grad', { constant: (name) => findTensor(g, name), ...opts });
  const outDims = shapes.get(plan.output);
  if (!outDims) throw new UnsupportedError(`no static shape recorded for output '${plan.output}'`);
  g.input.push(valueInfo(GRAD_OUTPUT, DataType.FLOAT, [...outDims]));
  emitter.setDims(GRAD_OUTPUT, outDims);
  const grads = emitBackward(plan, emitter, GRAD_OUTPUT, defaultOpset(model.proto));
  g.node.push(...emitter.nodes);
  g.initializer.push(...emitter.constants);
  emitter.importDomains(proto);
  const named = new Map<string, string>();
  for (const [p, v] of grads) {
    const name = gradName(p);
    g.node.push({ input: [v], output: [name], op_type: 'Identity', name: `${name}/identity`, attribute: [], metadata_props: [] });
    g.output.push(valueInfo(name, DataType.FLOAT, [...emitter.dims(p)]));
    named.set(p, name);
  }
  return { proto, grads: named, emitter };
}
