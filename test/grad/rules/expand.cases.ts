import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 40 };

function expandSpec(xDims: number[], shape: number[], opsetVersion = 17): GraphSpec {
  return {
    nodes: [node('Expand', ['x', 'shape'], ['y'])],
    params: { x: { dims: xDims } },
    constants: [int64Tensor('shape', [shape.length], shape)],
    output: 'y',
    opsetVersion,
  };
}

export const cases: RuleCase[] = [
  ...[8, 13].map((opset): RuleCase => ({ name: `adds a leading axis and broadcasts a size-1 one (opset ${opset})`, spec: expandSpec([3, 1], [2, 3, 4], opset), opts: S })),
  { name: 'broadcasts both ways with a shorter shape', spec: expandSpec([2, 1, 4], [3, 1]), opts: S },
  { name: 'keeps axes where the shape says 1', spec: expandSpec([2, 5], [1, 1, 5]), opts: S },
  { name: 'is the identity for an equal shape', spec: expandSpec([3, 4], [3, 4]), opts: S },
  { name: 'broadcasts a scalar', spec: expandSpec([], [2, 3]), opts: S },
];
