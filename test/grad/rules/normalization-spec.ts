/** Graphs of one normalisation node (LayerNormalization, InstanceNormalization, GroupNormalization) with X, scale and B trained. */
import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';

export interface NormSpec {
  x: number[];
  scale: number[];
  /** B's dims; omitted for a node without B */
  bias?: number[];
  attrs?: Record<string, AttrValue>;
  opsetVersion: number;
  /** the node's outputs (default just y); the loss is taken on `output` */
  outputs?: string[];
  output?: string;
}

export function normSpec(opType: string, s: NormSpec): GraphSpec {
  const inputs = s.bias ? ['x', 'scale', 'b'] : ['x', 'scale'];
  const params: GraphSpec['params'] = { x: { dims: s.x }, scale: { dims: s.scale } };
  if (s.bias) params.b = { dims: s.bias };
  return {
    nodes: [node(opType, inputs, s.outputs ?? ['y'], s.attrs ?? {}, { name: `${opType}_under_test` })],
    params,
    output: s.output ?? 'y',
    opsetVersion: s.opsetVersion,
  };
}
