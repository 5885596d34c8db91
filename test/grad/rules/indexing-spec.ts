/**
 * Graph builders shared by the indexing rules' cases (Gather, GatherElements,
 * GatherND, ScatterND, ScatterElements): one node on trained float inputs and
 * a constant int64 or int32 index tensor.
 */
import { int64Tensor, node, rawTensor } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import type { AttrValue } from '../../../src/onnx/builder.js';
import type { TensorProto } from '../../../src/onnx/types.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';

export type IndexType = 'int64' | 'int32';

export function indexTensor(name: string, dims: number[], values: number[], type: IndexType = 'int64'): TensorProto {
  return type === 'int64' ? int64Tensor(name, dims, values) : rawTensor(name, DataType.INT32, dims, Int32Array.from(values));
}

/** y = op(x, indices) with x trained. */
export function gatherSpec(
  op: string, xDims: number[], indexDims: number[], indices: number[], attrs: Record<string, AttrValue>,
  opsetVersion: number, type: IndexType = 'int64',
): GraphSpec {
  return {
    nodes: [node(op, ['x', 'i'], ['y'], attrs, { name: `${op.toLowerCase()}_node` })],
    params: { x: { dims: xDims } },
    constants: [indexTensor('i', indexDims, indices, type)],
    output: 'y',
    opsetVersion,
  };
}

/** y = op(x, indices, u) with data x and updates u trained. */
export function scatterSpec(
  op: string, xDims: number[], indexDims: number[], indices: number[], uDims: number[], attrs: Record<string, AttrValue>,
  opsetVersion: number, type: IndexType = 'int64',
): GraphSpec {
  return {
    nodes: [node(op, ['x', 'i', 'u'], ['y'], attrs, { name: `${op.toLowerCase()}_node` })],
    params: { x: { dims: xDims }, u: { dims: uDims } },
    constants: [indexTensor('i', indexDims, indices, type)],
    output: 'y',
    opsetVersion,
  };
}
