import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'takes axes as an input from opset 13, negative ones included',
    spec: {
      nodes: [node('Unsqueeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [3, 4, 2] } },
      constants: [int64Tensor('axes', [3], [0, -1, 2])],
      output: 'y',
    },
    opts: { samples: 24 },
  },
  {
    name: 'takes axes as an attribute before opset 13',
    spec: { nodes: [node('Unsqueeze', ['x'], ['y'], { axes: [-4, 1] })], params: { x: { dims: [3, 5] } }, output: 'y', opsetVersion: 11 },
    opts: { samples: 24 },
  },
  {
    name: 'reads axes computed in the graph',
    spec: {
      nodes: [node('Identity', ['a'], ['axes']), node('Unsqueeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [2, 3] } },
      constants: [int64Tensor('a', [1], [1])],
      output: 'y',
    },
    opts: { samples: 24 },
  },
  {
    name: 'hands the input dims to the node upstream (after a Transpose)',
    spec: {
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 1] }), node('Unsqueeze', ['t', 'axes'], ['y'])],
      params: { x: { dims: [2, 3, 4] } },
      constants: [int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
    },
    opts: { samples: 30 },
  },
];
