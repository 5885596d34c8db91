import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'reshapes the gradient back through 0 and −1 in the target shape',
    spec: {
      nodes: [node('Reshape', ['x', 'shape'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('shape', [3], [0, -1, 4])],
      output: 'y',
    },
    opts: { samples: 24 },
  },
  {
    name: 'handles allowzero = 1 (opset 14) and a computed shape',
    spec: {
      nodes: [node('Shape', ['t'], ['shape']), node('Reshape', ['x', 'shape'], ['y'], { allowzero: 1 })],
      params: { x: { dims: [3, 10] } },
      constants: [int64Tensor('t', [5, 2, 3], new Array(30).fill(0))],
      output: 'y',
      opsetVersion: 14,
    },
    opts: { samples: 24 },
  },
  {
    name: 'handles the opset 11 form',
    spec: {
      nodes: [node('Reshape', ['x', 'shape'], ['y'])],
      params: { x: { dims: [6, 7] } },
      constants: [int64Tensor('shape', [3], [7, -1, 2])],
      output: 'y',
      opsetVersion: 11,
    },
    opts: { samples: 24 },
  },
  {
    name: 'hands the input dims to the node upstream (after a Transpose)',
    spec: {
      nodes: [node('Transpose', ['x'], ['t'], { perm: [1, 2, 0] }), node('Reshape', ['t', 'shape'], ['y'])],
      params: { x: { dims: [2, 3, 5] } },
      constants: [int64Tensor('shape', [2], [-1, 6])],
      output: 'y',
    },
    opts: { samples: 30 },
  },
];
