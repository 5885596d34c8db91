/**
 * Cheap stand-ins for the convolutions of the shape pass (shapes.ts). The
 * pass runs the forward graph only to read the dims of its values, and a
 * Conv's output dims depend on its input's dims and its weight's, never on
 * their values. So each Conv whose weight dims are known is replaced by a
 * Conv of the same attributes (kernel, strides, pads, dilations, auto_pad) over
 * the input's first channel, with a zero weight of one input channel and the
 * same output channels and kernel:
 *
 *   Conv(x, W[M, C/g, k…], B) → Conv(Slice(x, channel 0), zeros[M, 1, k…])
 *
 * ONNX Runtime's own Conv computes the output dims, so they are the real
 * ones; the work shrinks by the input channel count, to about the cost of
 * writing the output (ResNet-18 at batch 32, 64×64: the pass's Conv time
 * from about 180 ms to 16; fewer output channels, tiled to M, were no
 * faster: the copy costs what the product does). An op that keeps its
 * first input's dims (BatchNormalization, Relu, Clip, …) on such a value
 * runs as an Identity (SAME_AS_FIRST): ResNet-18's pass from about 45 ms to
 * 25, MobileNetV2's from 105 to 42. The stand-in's values differ from the
 * real ones, so it is used only where no value downstream of a replaced
 * Conv can set a shape: those values ("tainted") may
 * flow into the data inputs of ops whose output dims follow from their
 * inputs' dims alone (SHAPE_FROM_DIMS; a Shape or Size of them is untainted
 * again), never into an input that sets dims or indexes (a Reshape's shape, a
 * Slice's starts, a Gather's indices, …), an integer divisor (0 would stop
 * the run), any other op (NonZero, Loop, a model function, …), or a
 * subgraph. Otherwise the pass keeps every Conv as it is.
 */
import { subgraphReads } from '../graph/constant-tensors.js';
import { int64Tensor, node, rawTensor } from '../onnx/builder.js';
import { dtypeInfo } from '../onnx/dtypes.js';
import type { GraphProto, NodeProto, TensorProto } from '../onnx/types.js';
import { EDGETUNE_DOMAIN } from '../../customops/domain.js';

const ELEMENTWISE = [
  'Abs', 'Acos', 'Acosh', 'Add', 'And', 'Asin', 'Asinh', 'Atan', 'Atanh', 'BitShift', 'Cast', 'CastLike', 'Ceil', 'Celu', 'Clip', 'Cos',
  'Cosh', 'Dropout', 'Elu', 'Equal', 'Erf', 'Exp', 'Floor', 'Gelu', 'Greater', 'GreaterOrEqual', 'HardSigmoid', 'HardSwish',
  'Identity', 'IsInf', 'IsNaN', 'LeakyRelu', 'Less', 'LessOrEqual', 'Log', 'Max', 'Mean', 'Min', 'Mish', 'Mul', 'Neg', 'Not',
  'Or', 'PRelu', 'Pow', 'Reciprocal', 'Relu', 'Round', 'Selu', 'Shrink', 'Sigmoid', 'Sign', 'Sin', 'Sinh', 'Softplus', 'Softsign',
  'Sqrt', 'Sub', 'Sum', 'Tan', 'Tanh', 'ThresholdedRelu', 'Where', 'Xor',
];

const LAYERS = [
  'ArgMax', 'ArgMin', 'AveragePool', 'BatchNormalization', 'Concat', 'Conv', 'ConvTranspose', 'DepthToSpace', 'Einsum', 'Flatten', 'Gemm',
  'GlobalAveragePool', 'GlobalLpPool', 'GlobalMaxPool', 'GroupNormalization', 'Hardmax', 'InstanceNormalization', 'LayerNormalization',
  'LogSoftmax', 'LpNormalization', 'LpPool', 'LRN', 'MatMul', 'MaxPool', 'MeanVarianceNormalization', 'Softmax', 'SpaceToDepth',
  'Transpose',
];

/**
 * Default-domain ops whose outputs' dims follow from their inputs' dims,
 * with the inputs (by position) whose values also set dims or index: those
 * must not be tainted. (Div and Mod: an integer divisor, standInConvs.)
 */
const SHAPE_FROM_DIMS: Readonly<Record<string, readonly number[]>> = {
  ...Object.fromEntries([...ELEMENTWISE, ...LAYERS].map((op) => [op, []])),
  Div: [], Mod: [], Reshape: [1], Expand: [1], Tile: [1], Slice: [1, 2, 3, 4], Pad: [1, 3], Resize: [1, 2, 3], Upsample: [1], Squeeze: [1], Unsqueeze: [1],
  Split: [1], CumSum: [1], Gather: [1], GatherElements: [1], GatherND: [1], ScatterElements: [1], ScatterND: [1], OneHot: [1], TopK: [1],
  ReduceL1: [1], ReduceL2: [1], ReduceLogSum: [1], ReduceLogSumExp: [1], ReduceMax: [1], ReduceMean: [1], ReduceMin: [1], ReduceProd: [1],
  ReduceSum: [1], ReduceSumSquare: [1],
};

/** edgetune's ops, whose outputs' dims follow from their inputs' dims (customops/). */
const EDGETUNE_FROM_DIMS = new Set(['TableConv', 'CombineMaps', 'Subsample']);

const isDefault = (n: NodeProto) => (n.domain ?? '') === '' || n.domain === 'ai.onnx';

/** The inputs of `n` whose values set its outputs' dims or index (all of them for an op not known to take dims alone). */
function dimsSettingInputs(n: NodeProto): readonly number[] | undefined {
  if (isDefault(n)) return SHAPE_FROM_DIMS[n.op_type ?? ''];
  return n.domain === EDGETUNE_DOMAIN && EDGETUNE_FROM_DIMS.has(n.op_type ?? '') ? [] : undefined;
}

/** Ops whose outputs are never floats (comparisons, logic, indices). */
const NOT_FLOAT = new Set([
  'And', 'ArgMax', 'ArgMin', 'BitShift', 'Equal', 'Greater', 'GreaterOrEqual', 'IsInf', 'IsNaN', 'Less', 'LessOrEqual', 'Not', 'Or', 'Xor',
]);

/** Float element types (what Cast's `to` names). */
const FLOAT_TYPES = new Set([1, 10, 11, 16]);

/**
 * What a tainted input makes of a node's outputs: 'float' where every output
 * a tainted input reaches is a float, 'other' where one may be an integer or
 * a bool (a Cast to one, a comparison, an index: MaxPool's or TopK's second
 * output).
 */
function taintKind(n: NodeProto, inputKinds: readonly ('float' | 'other')[], output: number): 'float' | 'other' {
  const op = n.op_type ?? '';
  if (NOT_FLOAT.has(op) || ((op === 'MaxPool' || op === 'TopK') && output === 1) || op === 'CastLike') return 'other';
  if (op === 'Cast') return FLOAT_TYPES.has(Number(n.attribute.find((a) => a.name === 'to')?.i ?? 0)) ? 'float' : 'other';
  return inputKinds.includes('other') ? 'other' : 'float';
}

/**
 * The Convs of `nodes` (in graph order) that can take a stand-in: those whose
 * weight dims `weightDims` knows, when no value they make can set a shape
 * downstream; none otherwise. A tainted float may be a divisor (x / 0 is
 * inf, not an error); a tainted integer may not.
 */
export function standInConvs(nodes: readonly NodeProto[], weightDims: (name: string) => readonly number[] | undefined): NodeProto[] {
  return taintOf(nodes, weightDims).picked;
}

/** standInConvs's picks, and the values they taint (none when nothing is picked). */
function taintOf(nodes: readonly NodeProto[], weightDims: (name: string) => readonly number[] | undefined): { picked: NodeProto[]; tainted: ReadonlySet<string> } {
  const none = { picked: [], tainted: new Set<string>() };
  const picked = nodes.filter((n) => isDefault(n) && n.op_type === 'Conv' && (weightDims(n.input[1] ?? '')?.length ?? 0) >= 3);
  if (picked.length === 0) return none;
  const tainted = new Map<string, 'float' | 'other'>(picked.map((n) => [n.output[0]!, 'float']));
  const isPicked = new Set(picked);
  for (const n of nodes) {
    if (isPicked.has(n)) continue;
    const reads = n.input.map((v, i) => [v, i] as const).filter(([v]) => v !== '' && tainted.has(v));
    const inSubgraphs = subgraphReads(n).some((v) => tainted.has(v));
    if (reads.length === 0 && !inSubgraphs) continue;
    if (isDefault(n) && (n.op_type === 'Shape' || n.op_type === 'Size')) continue;
    const setting = dimsSettingInputs(n);
    if (!setting || inSubgraphs) return none;
    const divides = isDefault(n) && (n.op_type === 'Div' || n.op_type === 'Mod');
    for (const [v, i] of reads) {
      if (divides ? i === 1 && tainted.get(v) === 'other' : setting.includes(i)) return none;
    }
    const kinds = reads.map(([v]) => tainted.get(v)!);
    n.output.forEach((o, i) => { if (o !== '') tainted.set(o, taintKind(n, kinds, i)); });
  }
  return { picked, tainted: new Set(tainted.keys()) };
}

/**
 * Ops whose one output has their first input's dims and element type
 * whatever the values: on a tainted input the shape pass runs an Identity
 * instead (a value nothing reads for its contents).
 */
const SAME_AS_FIRST = new Set([
  'Abs', 'BatchNormalization', 'Celu', 'Clip', 'Dropout', 'Elu', 'Erf', 'Exp', 'Gelu', 'HardSigmoid', 'HardSwish', 'Identity',
  'InstanceNormalization', 'LayerNormalization', 'LeakyRelu', 'Log', 'LogSoftmax', 'LRN', 'Mish', 'Neg', 'PRelu', 'Relu', 'Selu',
  'Sigmoid', 'Softmax', 'Softplus', 'Softsign', 'Sqrt', 'Tanh',
]);

/** Whether the shape pass can run an Identity for `n`, its first input being tainted. */
function passesThrough(n: NodeProto, tainted: ReadonlySet<string>): boolean {
  return isDefault(n) && SAME_AS_FIRST.has(n.op_type ?? '') && tainted.has(n.input[0] ?? '') && n.output.filter((o) => o !== '').length === 1 && n.output[0] !== '';
}

/**
 * `g` with the Convs standInConvs picks replaced by their stand-ins (new node
 * and initializer arrays; the old ones are not changed), and the
 * initializers that only those Convs read (their weights and biases) left
 * out, so that the pass's model need not carry them (a frozen backbone's
 * weights are most of its bytes). `weight` gives a picked Conv's weight dims
 * and element type. Returns how many were replaced.
 */
export function replaceConvsByStandIns(
  g: GraphProto, opset: number, weight: (name: string) => { dims: readonly number[]; dataType: number } | undefined,
): number {
  const taint = taintOf(g.node, (v) => weight(v)?.dims);
  const picked = new Set(taint.picked);
  if (picked.size === 0) return 0;
  const added: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  let i = 0;
  for (const n of g.node) {
    if (passesThrough(n, taint.tainted)) {
      nodes.push({ ...n, op_type: 'Identity', input: [n.input[0]!], output: [n.output[0]!], attribute: [] });
      continue;
    }
    if (!picked.has(n)) { nodes.push(n); continue; }
    const w = weight(n.input[1]!)!;
    const base = `edgetune.shape-stand-in/${i++}`;
    const dims = [w.dims[0]!, 1, ...w.dims.slice(2)];
    const info = dtypeInfo(w.dataType);
    if (!info) return 0;
    added.push(rawTensor(`${base}/w`, w.dataType, dims, info.make(dims.reduce((a, b) => a * b, 1))));
    if (opset >= 10) {
      added.push(int64Tensor(`${base}/zero`, [1], [0]), int64Tensor(`${base}/one`, [1], [1]));
      nodes.push(node('Slice', [n.input[0]!, `${base}/zero`, `${base}/one`, `${base}/one`], [`${base}/x`], {}, { name: `${base}/slice` }));
    } else {
      nodes.push(node('Slice', [n.input[0]!], [`${base}/x`], { starts: [0], ends: [1], axes: [1] }, { name: `${base}/slice` }));
    }
    nodes.push({ ...n, input: [`${base}/x`, `${base}/w`], output: [n.output[0]!], attribute: n.attribute.filter((a) => a.name !== 'group') });
  }
  g.node = nodes;
  const read = new Set([...nodes.flatMap((n) => [...n.input, ...subgraphReads(n)]), ...g.output.map((o) => o.name ?? '')]);
  const dropped = new Set([...picked].flatMap((n) => n.input.slice(1)).filter((v) => !read.has(v)));
  g.initializer = [...g.initializer.filter((t) => !dropped.has(t.name ?? '')), ...added];
  return picked.size;
}
