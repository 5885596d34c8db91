import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'takes axes as an input from opset 13, negative ones included',
    spec: {
      nodes: [node('Squeeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [3, 1, 4, 1, 1] } },
      constants: [int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
    },
    opts: { samples: 24 },
  },
  {
    name: 'takes axes as an attribute before opset 13',
    spec: { nodes: [node('Squeeze', ['x'], ['y'], { axes: [0, -2] })], params: { x: { dims: [1, 3, 1, 4] } }, output: 'y', opsetVersion: 11 },
    opts: { samples: 24 },
  },
  ...[11, 17].map((opsetVersion) => ({
    name: `squeezes every size-1 axis without axes (opset ${opsetVersion})`,
    spec: { nodes: [node('Squeeze', ['x'], ['y'])], params: { x: { dims: [1, 2, 1, 3, 1] } }, output: 'y', opsetVersion },
    opts: { samples: 24 },
  })),
  {
    name: 'hands the input dims to the node upstream (after a Transpose)',
    spec: {
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 3, 1] }), node('Squeeze', ['t', 'axes'], ['y'])],
      params: { x: { dims: [3, 4, 1, 2] } },
      constants: [int64Tensor('axes', [1], [0])],
      output: 'y',
    },
    opts: { samples: 30 },
  },
];
