/**
 * Two optimizer steps in one graph: a compiled step whose state is split per
 * parameter (step-graph.ts, split-update.ts), followed by a copy of itself
 * that starts from the first copy's new parameters and optimizer slots,
 * passed on inside ONNX Runtime. onnxruntime-node copies every output of a
 * run into a new array, even one it wrote into the caller's array
 * (bench/output-copy.ts: 10–16 ms for ResNet-18's 45 MB of weights), so a
 * run that returns the state once per two steps saves that copy every other
 * step (bench/steps-per-run.ts).
 *
 * The second copy's values, graph inputs and outputs carry the prefix
 * SECOND_STEP; initializers are shared. Each of its state inputs is the
 * first copy's new value instead (Reshape'd where the input has the
 * parameter's own dims and the output one axis). The first copy's new state
 * is no longer a graph output; its other outputs (loss, model output,
 * checks) stay, and the second copy's all come after them.
 */
import { int64Tensor, node } from '../onnx/builder.js';
import type { ModelProto, NodeProto, TensorProto, ValueInfo } from '../onnx/types.js';
import { UnsupportedError } from '../errors.js';
import { newParam, newParamSlot, paramSlotInput } from './split-update.js';

export const SECOND_STEP = 'edgetune.step2/';

/** A state value of the step: the graph input it is read from, and the output its new value is written to. */
export interface StatePair {
  input: string;
  output: string;
}

/**
 * The state pairs of a 'split' step graph: each parameter (an input with a
 * newParam output), and each of its optimizer slots named in `slots`.
 */
export function splitStatePairs(step: ModelProto, slots: readonly string[]): StatePair[] {
  const g = step.graph;
  if (!g) return [];
  const inputs = new Set(g.input.map((i) => i.name));
  const outputs = new Set(g.output.map((o) => o.name));
  const params = g.input.map((i) => i.name ?? '').filter((p) => outputs.has(newParam(p)));
  const pairs: StatePair[] = params.map((p) => ({ input: p, output: newParam(p) }));
  for (const s of slots) {
    for (const p of params) {
      const pair = { input: paramSlotInput(s, p), output: newParamSlot(s, p) };
      if (inputs.has(pair.input) && outputs.has(pair.output)) pairs.push(pair);
    }
  }
  return pairs;
}

const dimsOf = (v: ValueInfo | undefined): number[] => (v?.type?.tensor_type?.shape?.dim ?? []).map((d) => Number(d.dim_value ?? 0));

/** The step graph and a second copy of it fed by the first copy's new state (see the file comment). */
export function chainSteps(step: ModelProto, state: readonly StatePair[]): ModelProto {
  const g = step.graph;
  if (!g) throw new UnsupportedError('chainSteps: the step model has no graph');
  if (g.node.some((n) => n.attribute.some((a) => (a.g !== undefined && a.g !== null) || (a.graphs?.length ?? 0) > 0))) {
    throw new UnsupportedError('chainSteps: the step graph has subgraphs, whose outer names a second copy would have to rename');
  }
  const shared = new Set(g.initializer.map((t) => t.name));
  const inputs = new Map(g.input.map((i) => [i.name ?? '', i]));
  const outputs = new Map(g.output.map((o) => [o.name ?? '', o]));
  // what the second copy reads for each state input: the first copy's new value, or it Reshape'd to the input's dims
  const handOff = new Map<string, string>();
  const constants: TensorProto[] = [];
  const reshapes: NodeProto[] = [];
  for (const { input, output } of state) {
    const from = inputs.get(input), to = outputs.get(output);
    if (!from || !to) throw new UnsupportedError(`chainSteps: the step has no input '${input}' with output '${output}'`);
    const dims = dimsOf(from), outDims = dimsOf(to);
    if (dims.length === outDims.length && dims.every((d, i) => d === outDims[i])) {
      handOff.set(input, output);
      continue;
    }
    const shape = `${SECOND_STEP}shape/${input}`;
    constants.push(int64Tensor(shape, [dims.length], dims));
    reshapes.push(node('Reshape', [output, shape], [SECOND_STEP + input], {}, { name: `${SECOND_STEP}state/${input}` }));
    handOff.set(input, SECOND_STEP + input);
  }
  const rename = (v: string) => handOff.get(v) ?? (v === '' || shared.has(v) ? v : SECOND_STEP + v);
  const second = g.node.map((n) => ({ ...n, ...(n.name ? { name: SECOND_STEP + n.name } : {}), input: n.input.map(rename), output: n.output.map(rename) }));
  const stateIn = new Set(state.map((s) => s.input));
  const stateOut = new Set(state.map((s) => s.output));
  return {
    ...step,
    graph: {
      ...g,
      node: [...g.node, ...reshapes, ...second],
      input: [...g.input, ...g.input.filter((i) => !stateIn.has(i.name ?? '')).map((i) => ({ ...i, name: rename(i.name ?? '') }))],
      output: [...g.output.filter((o) => !stateOut.has(o.name ?? '')), ...g.output.map((o) => ({ ...o, name: rename(o.name ?? '') }))],
      initializer: [...g.initializer, ...constants],
      value_info: [],
    },
  };
}
