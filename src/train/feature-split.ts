/**
 * Where a model splits for cached features (src/train/feature-cache.ts):
 * the frozen prefix that runs once per image and the trained suffix.
 *
 * The split: a node depends on the trained parameters when one of its inputs
 * (or a value its subgraphs read) does. The suffix is every node the loss
 * output needs that does; the cut is the set of values the suffix reads that
 * come from the model inputs without passing through a trained parameter
 * (the frozen prefix's outputs). Nodes the suffix needs that read no model
 * input (constants) or only the shape of a prefix value (Shape/Size and
 * arithmetic on their results, as exporters write flattening) are computed
 * in the suffix too, so every cut value is an activation with the batch as
 * its first axis. The prefix computes the cut values from the model inputs;
 * the suffix reads them as graph inputs. Both keep every value name, so the
 * trained parameters have the same names in the suffix as in the model and
 * are written back by name.
 */
import { InputError } from '../errors.js';
import { GraphView } from '../graph/graph.js';
import { outerReferences } from '../graph/constant-tensors.js';
import { trainingModel } from '../graph/passes/training-model.js';
import { OnnxModel } from '../model.js';
import { DataType } from '../onnx/dtypes.js';
import type { GraphProto, ModelProto, NodeProto, ValueInfo } from '../onnx/types.js';
import type { Tuner } from './tuner.js';

/** Ops whose output is the shape (or size) of their input, not its values. */
const SHAPE_OPS = new Set(['Shape', 'Size']);

export interface SplitOptions {
  /** the output the loss reads (default: the model's first) */
  output?: string;
  /** 'train': BatchNormalization normalises with batch statistics, so no frozen layer may hold one */
  batchNorm?: 'frozen' | 'train';
}

/** Why a model cannot train on cached features. */
export interface NoSplit {
  reason: string;
}

/** A model cut between its frozen prefix and its trained suffix (see the file comment). */
export class FeatureSplit {
  constructor(
    /** the training copy the split was made on (functions inlined, Constant weights promoted, batch freed where possible) */
    readonly source: OnnxModel,
    /** the model input the dataset feeds */
    readonly input: string,
    /** the values the suffix reads from the prefix, in the order the prefix computes them */
    readonly cut: readonly string[],
    /** the trained parameters */
    readonly trained: readonly string[],
    /** the output the loss reads */
    readonly output: string,
    /** computes the cut values (its outputs) from the model input */
    readonly prefix: OnnxModel,
    private readonly suffixNodes: readonly NodeProto[],
    /** nodes in the prefix and in the suffix */
    readonly counts: { prefix: number; suffix: number },
  ) {}

  /**
   * The trained layers as a model whose inputs are the cut values, each
   * [batch, ...rowDims.get(name)], and whose output is the loss output.
   * Initializers are shared with `source`, not copied.
   */
  suffix(rowDims: ReadonlyMap<string, readonly number[]>): OnnxModel {
    const g = this.source.graph;
    const batch = batchDimOf(g.input.find((v) => v.name === this.input));
    const inputs: ValueInfo[] = this.cut.map((name) => {
      const dims = rowDims.get(name);
      if (!dims) throw new InputError(`${this.source.file}: no row shape given for cut value '${name}'`);
      return {
        name, metadata_props: [],
        type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: [batch, ...dims.map((d) => ({ dim_value: d }))] } } },
      } as ValueInfo;
    });
    const cut = new Set(this.cut);
    const reads = readsOf(this.suffixNodes);
    const produced = new Set(this.suffixNodes.flatMap((n) => n.output));
    const output = g.output.filter((v) => v.name === this.output);
    const proto = part(this.source.proto, {
      node: [...this.suffixNodes],
      initializer: g.initializer.filter((t) => reads.has(t.name ?? '') && !cut.has(t.name ?? '')),
      input: [...inputs, ...storedInputs(g, reads)],
      output,
      value_info: g.value_info.filter((v) => produced.has(v.name ?? '') && !cut.has(v.name ?? '')),
    });
    return new OnnxModel(proto, `${this.source.file} (trained layers)`, this.source.external);
  }
}

/** The batch dimension of a model input as a TensorShapeProto dim (symbolic when unknown). */
function batchDimOf(v: ValueInfo | undefined): { dim_value: number } | { dim_param: string } {
  const d = v?.type?.tensor_type?.shape?.dim[0];
  if (d && Object.prototype.hasOwnProperty.call(d, 'dim_value') && Number(d.dim_value) > 0) return { dim_value: Number(d.dim_value) };
  return { dim_param: d?.dim_param || 'edgetune_batch' };
}

/** Every value the nodes read, their subgraphs' outer references included. */
function readsOf(nodes: readonly NodeProto[]): Set<string> {
  const out = new Set<string>();
  for (const n of nodes) {
    for (const v of n.input) if (v !== '') out.add(v);
    for (const v of outerReferences(n)) out.add(v);
  }
  return out;
}

/** Graph inputs that are initializers read by a part (models before IR version 4 list every initializer as an input). */
function storedInputs(g: GraphProto, reads: ReadonlySet<string>): ValueInfo[] {
  const stored = new Set(g.initializer.map((t) => t.name ?? ''));
  return g.input.filter((v) => stored.has(v.name ?? '') && reads.has(v.name ?? ''));
}

/** A model with the source's header and the given graph fields (tensors and nodes shared, not copied). */
function part(src: ModelProto, fields: Pick<ModelProto['graph'] & object, 'node' | 'initializer' | 'input' | 'output' | 'value_info'>): ModelProto {
  const g = src.graph!;
  return {
    ...src,
    opset_import: [...src.opset_import], metadata_props: [...src.metadata_props], training_info: [], functions: [...src.functions],
    graph: { ...g, ...fields, quantization_annotation: [], sparse_initializer: [...g.sparse_initializer], metadata_props: [...g.metadata_props] },
  };
}

type Kind = 'trained' | 'data' | 'shape' | 'constant';

/**
 * Split a model for cached-feature training of the given parameters, or say
 * why it cannot be: the loss output does not depend on them, the first layer
 * is trained (nothing frozen to cache), or a frozen layer normalises with
 * batch statistics.
 */
export function splitFrozenPrefix(model: OnnxModel, trained: readonly string[], opts: SplitOptions = {}): FeatureSplit | NoSplit {
  const work = trainingModel(model).model;
  const view = new GraphView(work.graph, model.file);
  const output = opts.output ?? view.outputs[0];
  if (output === undefined) throw new InputError(`${model.file}: the model has no outputs`);
  const input = work.inputs[0]?.name;
  if (input === undefined) return { reason: 'the model has no input' };
  if (work.inputs.length > 1) return { reason: `the model has ${work.inputs.length} inputs; cached features take one` };

  const valueKind = new Map<string, Kind>();
  for (const p of trained) valueKind.set(p, 'trained');
  valueKind.set(input, 'data');
  const nodeKind: Kind[] = new Array<Kind>(view.nodes.length);
  for (const i of view.order) {
    const n = view.node(i);
    const reads = [...n.inputs.filter((v) => v !== ''), ...outerReferences(n.proto)].map((v) => valueKind.get(v) ?? 'constant');
    let k: Kind;
    if (reads.includes('trained')) k = 'trained';
    else if (n.domain === '' && SHAPE_OPS.has(n.opType) && reads.some((r) => r === 'data' || r === 'shape')) k = 'shape';
    else if (reads.includes('data')) k = 'data';
    else if (reads.includes('shape')) k = 'shape';
    else k = 'constant';
    nodeKind[i] = k;
    for (const o of n.outputs) if (o !== '') valueKind.set(o, k);
  }
  if (valueKind.get(output) !== 'trained') return { reason: `output '${output}' does not depend on a trained parameter` };

  // the suffix: trained nodes the output needs, and the constant and shape nodes they read
  const needed = view.upstream([output]);
  const inSuffix = new Set<number>();
  const cut = new Set<string>();
  const stack = view.nodes.filter((n) => nodeKind[n.index] === 'trained' && n.outputs.some((o) => needed.has(o))).map((n) => n.index);
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (inSuffix.has(i)) continue;
    inSuffix.add(i);
    const n = view.node(i);
    for (const v of [...n.inputs.filter((x) => x !== ''), ...outerReferences(n.proto)]) {
      const p = view.producer.get(v);
      const k = valueKind.get(v);
      if (p === undefined) {
        if (k === 'data') cut.add(v);
      } else if (k === 'data') {
        cut.add(v);
      } else if (!inSuffix.has(p)) {
        stack.push(p);
      }
    }
  }
  if ([...cut].every((v) => v === input)) return { reason: 'a layer reading the model input is trained: there are no frozen layers to cache' };

  const prefixValues = view.upstream(cut);
  const prefixIdx = view.order.filter((i) => view.node(i).outputs.some((o) => prefixValues.has(o)));
  if (opts.batchNorm === 'train') {
    const bn = prefixIdx.map((i) => view.node(i)).find((n) => n.opType === 'BatchNormalization' && n.domain === '');
    if (bn) return { reason: `BatchNormalization '${bn.name}' among the frozen layers normalises with batch statistics (batchNorm 'train')` };
  }
  const order = new Map(view.order.map((i, k) => [i, k]));
  const cutOrder = [...cut].sort((a, b) => (view.producer.has(a) ? order.get(view.producer.get(a)!)! + 1 : 0) - (view.producer.has(b) ? order.get(view.producer.get(b)!)! + 1 : 0));
  const g = work.graph;
  const prefixNodes = prefixIdx.map((i) => view.node(i).proto);
  const prefixReads = readsOf(prefixNodes);
  const prefixProduced = new Set(prefixNodes.flatMap((n) => n.output));
  const prefix = new OnnxModel(part(work.proto, {
    node: prefixNodes,
    initializer: g.initializer.filter((t) => prefixReads.has(t.name ?? '')),
    input: [...g.input.filter((v) => v.name === input), ...storedInputs(g, prefixReads)],
    output: cutOrder.map((name) => ({ name, metadata_props: [] }) as ValueInfo),
    value_info: g.value_info.filter((v) => prefixProduced.has(v.name ?? '')),
  }), `${model.file} (frozen layers)`, work.external);
  const suffixNodes = view.order.filter((i) => inSuffix.has(i)).map((i) => view.node(i).proto);
  return new FeatureSplit(work, input, cutOrder, [...trained], output, prefix, suffixNodes, { prefix: prefixNodes.length, suffix: suffixNodes.length });
}

/** The split for a Tuner's trained parameters, loss output and BatchNormalization mode. */
export function splitForTuner(tuner: Tuner): FeatureSplit | NoSplit {
  return splitFrozenPrefix(tuner.model, tuner.params.map((p) => p.name), {
    output: tuner.engine.plan.output, ...(tuner.options.batchNorm ? { batchNorm: tuner.options.batchNorm } : {}),
  });
}
