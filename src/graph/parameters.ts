/**
 * Which stored tensors are a model's parameters: the float32 tensors
 * (initializers, or Constant values promoted to initializers for training)
 * that feed a parameter input of an op — weights, biases, normalisation
 * scales and shifts, embeddings — as opposed to constants baked into the
 * graph (`one`, `half`, an input normalisation's mean), BatchNormalization's
 * running statistics, and integer tensors (shapes, indices).
 *
 * Parameter inputs:
 * - by position: Conv/ConvTranspose W and B, Gemm B and C (and A when
 *   stored), normalisation scale and bias, PRelu's slope, the edgetune ops'
 *   weights, Gather's data (an embedding table);
 * - MatMul/Einsum operands that are stored tensors (a linear layer written
 *   as MatMul + Add);
 * - a stored operand of Add/Sub/Mul/Div with more than one element whose other
 *   operand is computed by a weighted layer: the bias or scale of a layer
 *   split into separate nodes (MatMul + Add, a decomposed LayerNorm's
 *   Mul + Add). Scalars (ε, ½) and operands applied to the raw input (an
 *   input normalisation) stay fixed.
 * A tensor that feeds the parameter inputs of several nodes is tied: it is
 * one parameter whose gradient sums over those uses (`untieParameters` gives
 * each use its own copy).
 */
import { DataType } from '../onnx/dtypes.js';
import { tensorDims } from '../onnx/tensor-codec.js';
import type { TensorProto } from '../onnx/types.js';
import type { GraphView, NodeView } from './graph.js';

const BY_POSITION: Readonly<Record<string, readonly number[]>> = {
  Conv: [1, 2],
  ConvTranspose: [1, 2],
  Gemm: [0, 1, 2],
  BatchNormalization: [1, 2],
  InstanceNormalization: [1, 2],
  LayerNormalization: [1, 2],
  GroupNormalization: [1, 2],
  PRelu: [1],
  Gather: [0],
  MatMul: [0, 1],
  Einsum: [],
  'edgetune.Subsample': [1, 2],
  'edgetune.CombineMaps': [1, 2],
  'edgetune.TableConv': [1, 2],
};

const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);

function opKey(n: NodeView): string {
  return n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}.${n.opType}`;
}

export interface ParameterUse {
  /** the node's position in the graph's node list */
  index: number;
  node: string;
  opType: string;
  input: number;
}

export interface ParameterInfo {
  /** parameter name → the nodes and input positions it feeds */
  uses: Map<string, ParameterUse[]>;
}

function isFloatTensor(t: TensorProto | undefined): t is TensorProto {
  return t !== undefined && t.data_type === DataType.FLOAT;
}

function size(t: TensorProto): number {
  return tensorDims(t).reduce((a, b) => a * b, 1);
}

/** The parameters of a graph (float32 stored tensors feeding parameter inputs) and where each is used. */
export function findParameters(view: GraphView): ParameterInfo {
  const stored = new Map(view.graph.initializer.map((t) => [t.name ?? '', t]));
  const uses = new Map<string, ParameterUse[]>();
  const note = (name: string, n: NodeView, k: number) => {
    const list = uses.get(name) ?? [];
    if (!list.some((u) => u.node === n.name && u.input === k)) list.push({ index: n.index, node: n.name, opType: opKey(n), input: k });
    uses.set(name, list);
  };
  const storedFloat = (v: string | undefined) => v !== undefined && v !== '' && isFloatTensor(stored.get(v));
  const weighted = new Set<number>();
  for (const n of view.nodes) {
    const key = opKey(n);
    const positions = key === 'Einsum' ? n.inputs.map((_, i) => i) : BY_POSITION[key];
    if (!positions) continue;
    for (const k of positions) {
      const v = n.inputs[k];
      if (!storedFloat(v)) continue;
      // MatMul/Gemm's A and Einsum operands count only beside a computed operand (not two stored tensors)
      if ((key === 'MatMul' || key === 'Einsum' || (key === 'Gemm' && k === 0)) && n.inputs.every((u) => u === '' || storedFloat(u))) continue;
      note(v!, n, k);
      weighted.add(n.index);
    }
  }
  const afterWeights = view.downstream(view.nodes.filter((n) => weighted.has(n.index)).flatMap((n) => n.outputs.filter((o) => o !== '')));
  for (const n of view.nodes) {
    if (n.domain !== '' || !ELEMENTWISE.has(n.opType) || n.inputs.length !== 2) continue;
    n.inputs.forEach((v, k) => {
      const other = n.inputs[1 - k]!;
      if (storedFloat(v) && size(stored.get(v)!) > 1 && !storedFloat(other) && afterWeights.has(other)) note(v, n, k);
    });
  }
  return { uses };
}

/** Parameters fed to more than one parameter input (tied by the exporter, e.g. equal zero biases). */
export function tiedParameters(info: ParameterInfo): Map<string, ParameterUse[]> {
  return new Map([...info.uses].filter(([, u]) => u.length > 1));
}
