/**
 * A new classifier head: the model's final classifier layer gets freshly
 * initialised weights with `classes` outputs, so the network can be
 * fine-tuned to a new set of classes. Unlike the training passes it changes
 * the user's model (like `untieParameters`).
 *
 * The head is a weighted layer whose output reaches a graph output only
 * through ops that keep the class dimension (Softmax, LogSoftmax, Flatten,
 * Reshape, Squeeze, Transpose, Identity, Dropout, pooling, element-wise
 * activations, scaling by a stored scalar…):
 * - Gemm(A, B[, C]) with B stored (B is [K, F] with transB, else [F, K]);
 * - MatMul(A, B) with B stored [F, K], with the Add of a stored [K] bias
 *   that follows it when there is one;
 * - Conv with group 1 and a stored weight [K, C, kh, kw] (a 1×1 Conv
 *   before global pooling, as in SqueezeNet), bias optional.
 * By default it is the one feeding the first graph output; `node` (a node
 * name or one of its output names) picks another.
 *
 * The weight and bias are replaced by new initializers
 * `edgetune.head.weight` and `edgetune.head.bias` (a numeric suffix when the
 * names are taken) holding PyTorch's default initialisation for Linear and
 * Conv layers: every value uniform in [−1/√fan_in, 1/√fan_in), fan_in being
 * F (or C·kh·kw), drawn from Rng(seed) — the weight first, row-major, then
 * the bias. A head without a bias gets one (Gemm's C, Conv's B, or an Add
 * after the MatMul). The old tensors (initializers or Constant nodes) are
 * removed when nothing else reads them. The class dimension of the graph
 * output and of every value_info on the way is set to `classes` (a dim that
 * cannot be placed becomes the symbolic 'edgetune_classes'), and stored
 * class names (`edgetune.labels`) are dropped, since they named the old
 * classes. Every other node, initializer and field is left as it was.
 */
import { InputError, UnsupportedError } from '../../errors.js';
import { deleteMetadata, LABELS_KEY } from '../../model-metadata.js';
import type { OnnxModel } from '../../model.js';
import { DataType } from '../../onnx/dtypes.js';
import { floatTensor, node as makeNode, valueInfo } from '../../onnx/builder.js';
import { readTensor, tensorDims } from '../../onnx/tensor-codec.js';
import type { GraphProto, TensorProto, ValueInfo } from '../../onnx/types.js';
import { Rng } from '../../train/rng.js';
import { constantValue, outerReferences } from '../constant-tensors.js';
import { GraphView, type NodeView } from '../graph.js';

export interface ReplaceHeadOptions {
  /** number of outputs of the new head */
  classes: number;
  /** the head's node name or one of its output names (default: the classifier feeding the first output) */
  node?: string;
  /** seed of the initialisation (default 0) */
  seed?: number;
}

export interface ReplacedHead {
  /** the head node (the MatMul of a MatMul + Add) */
  node: string;
  /** the new parameters: train these */
  weight: string;
  bias: string;
  /** one line saying what changed, for messages */
  replaced: string;
  /** classes of the old head */
  previousClasses: number;
  /** the graph output the head feeds */
  output: string;
}

type Kind = 'Gemm' | 'MatMul' | 'Conv';

/** A class axis counted from the start or from the end of a shape; undefined when unknown. */
type Axis = { from: 'start' | 'end'; k: number } | undefined;

interface Head {
  kind: Kind;
  node: NodeView;
  /** the Add holding a MatMul's bias */
  add?: NodeView;
  weightInput: number;
  weight: string;
  /** the bias value and where it is read (node and input position), when there is one */
  bias?: { name: string; node: NodeView; input: number };
  classes: number;
  fanIn: number;
  weightDims: number[];
  /** the value leaving the head, and its class axis */
  out: string;
  axis: Axis;
}

/** Ops whose output keeps the input's shape (and so its class axis). */
const SAME_SHAPE = new Set([
  'Softmax', 'LogSoftmax', 'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'Tanh', 'Elu', 'Selu', 'Celu', 'Softplus',
  'Identity', 'Dropout', 'Clip', 'Cast', 'Abs', 'Neg', 'Exp', 'Log',
  'GlobalAveragePool', 'GlobalMaxPool', 'AveragePool', 'MaxPool', 'LpPool',
]);
const SCALAR_OPS = new Set(['Add', 'Sub', 'Mul', 'Div']);
const REDUCE_OPS = new Set(['ReduceMean', 'ReduceMax', 'ReduceSum']);
const SHAPE_OPS = new Set(['Flatten', 'Reshape', 'Squeeze', 'Transpose']);

class Stored {
  private readonly inits: Map<string, TensorProto>;
  private readonly consts = new Map<string, TensorProto>();

  constructor(private readonly g: GraphProto) {
    this.inits = new Map(g.initializer.map((t) => [t.name ?? '', t]));
    for (const n of g.node) {
      const t = constantValue(n);
      if (t && n.output[0]) this.consts.set(n.output[0], t);
    }
  }

  get(name: string | undefined): TensorProto | undefined {
    if (name === undefined || name === '') return undefined;
    return this.inits.get(name) ?? this.consts.get(name);
  }

  float(name: string | undefined): TensorProto | undefined {
    const t = this.get(name);
    return t && t.data_type === DataType.FLOAT ? t : undefined;
  }

  ints(name: string | undefined, file: string): number[] | undefined {
    const t = this.get(name);
    return t ? Array.from(readTensor(t, undefined, file).data as ArrayLike<number | bigint>, Number) : undefined;
  }
}

function size(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** The node's `consumer`-side view of whether `value` is its data input and what its class axis becomes, or null when it does not keep the class dimension. */
function passAxis(n: NodeView, value: string, axis: Axis, stored: Stored, file: string): { axis: Axis } | null {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return null;
  const op = n.opType;
  if (SAME_SHAPE.has(op)) return n.inputs[0] === value && !n.inputs.slice(1).includes(value) ? { axis } : null;
  if (SCALAR_OPS.has(op)) {
    if (n.inputs.length !== 2) return null;
    const other = n.inputs[n.inputs[0] === value ? 1 : 0];
    const t = stored.get(other);
    return t && size(tensorDims(t)) === 1 && other !== value ? { axis } : null;
  }
  if (n.inputs[0] !== value || n.inputs.slice(1).includes(value)) return null;
  if (REDUCE_OPS.has(op)) return { axis: n.attrs.int('keepdims', 1) === 1 ? axis : undefined };
  if (!SHAPE_OPS.has(op)) return null;
  if (op === 'Flatten') {
    const a = n.attrs.int('axis', 1);
    return { axis: axis && a >= 0 && (axis.from === 'end' || axis.k >= a) ? { from: 'start', k: 1 } : undefined };
  }
  if (op === 'Transpose') {
    const perm = n.attrs.has('perm') ? n.attrs.ints('perm', []) : undefined;
    return { axis: axis?.from === 'start' && perm && perm.includes(axis.k) ? { from: 'start', k: perm.indexOf(axis.k) } : undefined };
  }
  if (op === 'Squeeze') {
    const axes = n.attrs.has('axes') ? n.attrs.ints('axes', []) : stored.ints(n.inputs[1], file);
    if (!axes || !axis) return { axis: undefined };
    if (axis.from === 'start' && axes.every((q) => q >= 0)) return { axis: { from: 'start', k: axis.k - axes.filter((q) => q < axis.k).length } };
    if (axis.from === 'end' && axes.every((q) => q < 0)) return { axis: { from: 'end', k: axis.k - axes.filter((q) => q > -1 - axis.k).length } };
    return { axis: undefined };
  }
  return { axis: undefined }; // Reshape
}

/** Values from `start` to the graph outputs with their class axes, or undefined when a reader of one does not keep the class dimension. */
function pathToOutputs(view: GraphView, start: string, axis: Axis, stored: Stored): Map<string, Axis> | undefined {
  const seen = new Map<string, Axis>([[start, axis]]);
  const todo = [start];
  while (todo.length > 0) {
    const v = todo.pop()!;
    for (const c of new Set(view.consumers.get(v) ?? [])) {
      const n = view.node(c);
      const next = passAxis(n, v, seen.get(v), stored, view.file);
      if (!next) return undefined;
      const out = n.outputs[0];
      if (out === undefined || out === '' || seen.has(out)) continue;
      seen.set(out, next.axis);
      todo.push(out);
    }
  }
  return view.outputs.some((o) => seen.has(o)) ? seen : undefined;
}

/** The head a node starts, when it is a Gemm, MatMul(+Add) or group-1 Conv with a stored float weight. */
function headAt(view: GraphView, n: NodeView, stored: Stored): Head | undefined {
  if (n.domain !== '' && n.domain !== 'ai.onnx') return undefined;
  const computed = (v: string | undefined) => v !== undefined && v !== '' && !stored.get(v);
  const out = n.outputs[0];
  if (!out) return undefined;
  if (n.opType === 'Gemm') {
    const w = stored.float(n.inputs[1]);
    if (!w || !computed(n.inputs[0]) || tensorDims(w).length !== 2) return undefined;
    const dims = tensorDims(w);
    const transB = n.attrs.int('transB', 0) === 1;
    const classes = transB ? dims[0]! : dims[1]!;
    const c = n.inputs[2];
    if (c && c !== '' && (!stored.float(c) || ![1, classes].includes(size(tensorDims(stored.float(c)!))))) return undefined;
    return {
      kind: 'Gemm', node: n, weightInput: 1, weight: n.inputs[1]!, classes, fanIn: transB ? dims[1]! : dims[0]!, weightDims: dims,
      ...(c ? { bias: { name: c, node: n, input: 2 } } : {}), out, axis: { from: 'start', k: 1 },
    };
  }
  if (n.opType === 'MatMul') {
    const w = stored.float(n.inputs[1]);
    if (!w || !computed(n.inputs[0]) || tensorDims(w).length !== 2) return undefined;
    const dims = tensorDims(w);
    const classes = dims[1]!;
    const readers = view.consumers.get(out) ?? [];
    const add = readers.length === 1 ? view.node(readers[0]!) : undefined;
    let bias: Head['bias'];
    if (add && add.opType === 'Add' && add.domain === '' && add.inputs.length === 2 && !view.outputs.includes(out)) {
      const k = add.inputs[0] === out ? 1 : 0;
      const b = stored.float(add.inputs[k]);
      const bDims = b ? tensorDims(b) : [];
      if (b && add.inputs[1 - k] === out && size(bDims) === classes && bDims.length >= 1 && bDims[bDims.length - 1] === classes) {
        bias = { name: add.inputs[k]!, node: add, input: k };
      }
    }
    return {
      kind: 'MatMul', node: n, ...(bias ? { add: bias.node, bias } : {}), weightInput: 1, weight: n.inputs[1]!, classes, fanIn: dims[0]!,
      weightDims: dims, out: bias ? bias.node.outputs[0]! : out, axis: { from: 'end', k: 0 },
    };
  }
  if (n.opType === 'Conv') {
    const w = stored.float(n.inputs[1]);
    if (!w || !computed(n.inputs[0]) || n.attrs.int('group', 1) !== 1 || tensorDims(w).length < 3) return undefined;
    const dims = tensorDims(w);
    const b = n.inputs[2];
    if (b && b !== '' && !stored.float(b)) return undefined;
    return {
      kind: 'Conv', node: n, weightInput: 1, weight: n.inputs[1]!, classes: dims[0]!, fanIn: size(dims.slice(1)), weightDims: dims,
      ...(b ? { bias: { name: b, node: n, input: 2 } } : {}), out, axis: { from: 'start', k: 1 },
    };
  }
  return undefined;
}

interface Candidate { head: Head; path: Map<string, Axis> }

/** Every classifier head of the graph, the one nearest the outputs first. */
function candidates(view: GraphView, stored: Stored): Candidate[] {
  const found: Candidate[] = [];
  for (const i of [...view.order].reverse()) {
    const head = headAt(view, view.node(i), stored);
    if (!head) continue;
    const path = pathToOutputs(view, head.out, head.axis, stored);
    if (!path) continue;
    if (head.add) path.set(head.node.outputs[0]!, head.axis);
    found.push({ head, path });
  }
  return found;
}

function nameList(c: Candidate[]): string {
  if (c.length === 0) return 'the graph has none';
  const shown = c.slice(0, 8).map((x) => `'${x.head.node.name}' (${x.head.kind}${x.head.add ? ' + Add' : ''}, ${x.head.classes} classes)`);
  return `candidates: ${shown.join(', ')}${c.length > 8 ? ` and ${c.length - 8} more` : ''}`;
}

function pick(model: OnnxModel, view: GraphView, found: Candidate[], stored: Stored, wanted: string | undefined): Candidate {
  const file = model.file;
  if (wanted !== undefined) {
    const n = view.nodes.find((x) => x.name === wanted) ?? view.nodes.find((x) => x.outputs.includes(wanted));
    const hit = n && found.find((c) => c.head.node === n || c.head.add === n);
    if (!hit) {
      throw new InputError(`${file}: ${n ? `node '${n.name}' (${n.opType})` : `'${wanted}'`} is ${n ? 'not' : 'neither a node nor a value, so not'} a classifier head (a Gemm, MatMul or group-1 Conv with stored weights whose output reaches a graph output through shape-keeping ops); ${nameList(found)}`);
    }
    return hit;
  }
  const first = view.outputs[0];
  if (first === undefined) throw new InputError(`${file}: the graph has no outputs, so no classifier head`);
  const hit = found.find((c) => c.path.has(first));
  if (hit) return hit;
  let v = first;
  let stop: NodeView | undefined;
  for (let guard = 0; guard < view.nodes.length; guard++) {
    const p = view.producer.get(v);
    if (p === undefined) break;
    stop = view.node(p);
    if (!passAxis(stop, stop.inputs[0] ?? '', undefined, stored, file) || !stop.inputs[0]) break;
    v = stop.inputs[0];
  }
  const where = stop ? `stops at node '${stop.name}' (${stop.opType})` : `is not computed by any node`;
  throw new InputError(`${file}: no classifier head feeds output '${first}' (walking back from it ${where}); pick one by name: ${nameList(found)}`);
}

/** Names not yet used by any value of the graph. */
function freshName(taken: Set<string>, base: string, suffix: string): string {
  for (let k = 1; ; k++) {
    const name = k === 1 ? `${base}.${suffix}` : `${base}${k}.${suffix}`;
    if (!taken.has(name)) { taken.add(name); return name; }
  }
}

function uniform(rng: Rng, n: number, bound: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng.next() - 1) * bound;
  return out;
}

/** Whether any node (subgraphs included) or graph output still reads `name`. */
function isRead(g: GraphProto, name: string): boolean {
  if (g.output.some((o) => o.name === name)) return true;
  return g.node.some((n) => n.input.includes(name) || (n.attribute.some((a) => a.g || a.graphs.length > 0) && outerReferences(n).includes(name)));
}

/** Drop the stored tensor `name` (its initializer, graph input and value_info, or its Constant node) when nothing reads it. */
function dropIfUnused(g: GraphProto, name: string): void {
  if (name === '' || isRead(g, name)) return;
  const before = g.initializer.length;
  g.initializer = g.initializer.filter((t) => t.name !== name);
  if (g.initializer.length !== before) g.input = g.input.filter((v) => v.name !== name);
  g.node = g.node.filter((n) => !(constantValue(n) && n.output[0] === name));
  g.value_info = g.value_info.filter((v) => v.name !== name);
}

/** The class dim of a declared shape set to the new count; unknown places become symbolic. */
function fixShape(v: ValueInfo, axis: Axis, oldK: number, classes: number, isOutput: boolean): boolean {
  const dims = v.type?.tensor_type?.shape?.dim;
  if (!dims) return true;
  const fixed = (i: number) => dims[i] !== undefined && Object.prototype.hasOwnProperty.call(dims[i], 'dim_value') && dims[i]!.dim_value !== undefined;
  const at = axis === undefined ? -1 : axis.from === 'start' ? axis.k : dims.length - 1 - axis.k;
  if (at >= 0 && at < dims.length) {
    if (fixed(at)) {
      const old = Number(dims[at]!.dim_value);
      dims[at]!.dim_value = old % oldK === 0 ? (old / oldK) * classes : classes;
    }
    return true;
  }
  const matches = dims.map((_, i) => i).filter((i) => fixed(i) && Number(dims[i]!.dim_value) === oldK);
  if (matches.length === 1) { dims[matches[0]!]!.dim_value = classes; return true; }
  if (!isOutput) return false;
  for (const i of matches) { delete dims[i]!.dim_value; dims[i]!.dim_param = 'edgetune_classes'; }
  return true;
}

/** Refuse a Reshape on the way whose stored shape spells the old class count: it would no longer fit. */
function checkReshapes(view: GraphView, path: Map<string, Axis>, stored: Stored, oldK: number): void {
  if (oldK === 1) return;
  for (const n of view.nodes) {
    if (n.opType !== 'Reshape' || !path.has(n.inputs[0] ?? '')) continue;
    const shape = stored.ints(n.inputs[1], view.file);
    if (shape?.includes(oldK)) {
      throw new UnsupportedError(`${view.file}: node '${n.name}' (Reshape) after the classifier head stores the class count ${oldK} in its shape [${shape.join(',')}]; a new head cannot change it`);
    }
  }
}

/** Replace the classifier head of `model` by a freshly initialised one with `classes` outputs. Mutates `model`. */
export function replaceHead(model: OnnxModel, opts: ReplaceHeadOptions): ReplacedHead {
  const { classes } = opts;
  const file = model.file;
  if (!Number.isSafeInteger(classes) || classes < 1) throw new InputError(`${file}: a new head needs a whole number of classes ≥ 1, got ${classes}`);
  const g = model.graph;
  const view = new GraphView(g, file);
  const stored = new Stored(g);
  const { head, path } = pick(model, view, candidates(view, stored), stored, opts.node);
  checkReshapes(view, path, stored, head.classes);

  const rng = new Rng(opts.seed ?? 0);
  const bound = 1 / Math.sqrt(head.fanIn);
  const wDims = head.kind === 'Conv' ? [classes, ...head.weightDims.slice(1)]
    : head.kind === 'MatMul' ? [head.fanIn, classes]
    : head.node.attrs.int('transB', 0) === 1 ? [classes, head.fanIn] : [head.fanIn, classes];
  const wData = uniform(rng, size(wDims), bound);
  const bData = uniform(rng, classes, bound);

  const oldWeight = head.weight;
  const oldBias = head.bias?.name;
  const dropping = new Set([oldWeight, ...(oldBias ? [oldBias] : [])]);
  const taken = new Set<string>([
    ...g.initializer.map((t) => t.name ?? ''), ...g.input.map((v) => v.name ?? ''), ...g.output.map((v) => v.name ?? ''),
    ...g.node.flatMap((n) => [...n.output, ...(n.name ? [n.name] : [])]),
  ].filter((n) => !dropping.has(n)));
  const weight = freshName(taken, 'edgetune.head', 'weight');
  const bias = freshName(taken, 'edgetune.head', 'bias');
  const listsInitializers = g.initializer.some((t) => g.input.some((v) => v.name === t.name));

  const proto = head.node.proto;
  proto.input[head.weightInput] = weight;
  if (head.bias) {
    head.bias.node.proto.input[head.bias.input] = bias;
  } else if (head.kind === 'MatMul') {
    const inner = freshName(taken, `${head.out}/edgetune.head`, 'matmul');
    const add = makeNode('Add', [inner, bias], [head.out], {}, { name: freshName(taken, `${head.node.name}/edgetune.head`, 'add') });
    proto.output[0] = inner;
    g.node.splice(g.node.indexOf(proto) + 1, 0, add);
  } else {
    while (proto.input.length < 2) proto.input.push('');
    proto.input[2] = bias;
  }

  g.initializer.push(floatTensor(weight, wDims, wData), floatTensor(bias, [classes], bData));
  if (listsInitializers) g.input.push(valueInfo(weight, DataType.FLOAT, wDims), valueInfo(bias, DataType.FLOAT, [classes]));
  for (const name of dropping) dropIfUnused(g, name);

  const outputs = new Set(g.output.map((o) => o.name ?? ''));
  for (const v of g.output) if (path.has(v.name ?? '')) fixShape(v, path.get(v.name ?? ''), head.classes, classes, true);
  g.value_info = g.value_info.filter((v) => !path.has(v.name ?? '') || outputs.has(v.name ?? '') || fixShape(v, path.get(v.name ?? ''), head.classes, classes, false));
  deleteMetadata(model, LABELS_KEY);

  const output = view.outputs.find((o) => path.has(o))!;
  const what = `${head.kind}${head.add ? ' + Add' : ''} '${head.node.name}'`;
  return {
    node: head.node.name, weight, bias, previousClasses: head.classes, output,
    replaced: `${what}: ${head.classes} → ${classes} classes (${weight} [${wDims.join(',')}], ${bias} [${classes}], PyTorch default init, seed ${opts.seed ?? 0})`,
  };
}
