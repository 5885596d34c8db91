/**
 * Training pass for models exported with a fixed batch size (batch 1 in the
 * file is common): when every graph input's first dimension is the same
 * fixed number B and no stored shape in the graph spells B as its first
 * entry (a `Reshape(x, [1, -1])` folded by the exporter would break on
 * another batch size), the first dimension of the inputs and outputs becomes
 * symbolic, so training and evaluation take batches of any size. Otherwise
 * the model keeps batch B and training and evaluation use batches of B.
 * Intermediate value_info shapes are dropped (ONNX Runtime infers them).
 */
import { readTensor } from '../../onnx/tensor-codec.js';
import type { GraphProto, ModelProto, ValueInfo } from '../../onnx/types.js';
import { constantValue } from '../constant-tensors.js';

/** Ops with a shape input: the input's position. */
const SHAPE_INPUTS: Readonly<Record<string, number>> = { Reshape: 1, Expand: 1, ConstantOfShape: 0, Tile: 1 };

export interface BatchInfo {
  /** the fixed batch size in the file, undefined when already symbolic (or the model has no inputs) */
  fixed?: number;
  /** whether the training copy made it symbolic */
  freed: boolean;
}

function firstDim(v: ValueInfo): number | undefined {
  const d = v.type?.tensor_type?.shape?.dim[0];
  if (!d || d.dim_value === undefined || !Object.prototype.hasOwnProperty.call(d, 'dim_value')) return undefined;
  return Number(d.dim_value);
}

function storedShapeStartsWith(g: GraphProto, b: number): boolean {
  const tensors = new Map(g.initializer.map((t) => [t.name ?? '', t]));
  for (const n of g.node) {
    const t = constantValue(n);
    if (t && n.output[0]) tensors.set(n.output[0], t);
  }
  return g.node.some((n) => {
    const k = (n.domain ?? '') === '' ? SHAPE_INPUTS[n.op_type ?? ''] : undefined;
    const t = k === undefined ? undefined : tensors.get(n.input[k] ?? '');
    if (!t) return false;
    const data = readTensor(t, undefined, '<shape>').data;
    return data.length > 1 && Number(data[0]) === b;
  });
}

function makeSymbolic(v: ValueInfo): void {
  const d = v.type?.tensor_type?.shape?.dim[0];
  if (!d) return;
  delete d.dim_value;
  d.dim_param = 'edgetune_batch';
}

/** Make a fixed batch dimension symbolic where the graph allows it. Mutates `m`. */
export function freeBatch(m: ModelProto, inputs: readonly string[]): BatchInfo {
  const g = m.graph;
  if (!g) return { freed: false };
  const feeds = g.input.filter((v) => inputs.includes(v.name ?? ''));
  const dims = feeds.map(firstDim);
  const b = dims[0];
  if (b === undefined || dims.some((d) => d !== b)) return { freed: false };
  if (storedShapeStartsWith(g, b)) return { fixed: b, freed: false };
  for (const v of feeds) makeSymbolic(v);
  for (const v of g.output) if (firstDim(v) === b) makeSymbolic(v);
  g.value_info = [];
  return { fixed: b, freed: true };
}
