import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  ...[1, 2, -1, 0, 4].map((axis) => ({
    name: `reshapes the gradient back for axis ${axis}`,
    spec: { nodes: [node('Flatten', ['x'], ['y'], { axis })], params: { x: { dims: [2, 3, 4, 5] } }, output: 'y' },
    opts: { samples: 24 },
  })),
  {
    name: 'uses axis 1 by default (opset 11)',
    spec: { nodes: [node('Flatten', ['x'], ['y'])], params: { x: { dims: [3, 2, 5] } }, output: 'y', opsetVersion: 11 },
    opts: { samples: 24 },
  },
  {
    name: 'hands the input dims to the node upstream (after a Transpose)',
    spec: {
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 3, 1] }), node('Flatten', ['t'], ['y'], { axis: -2 })],
      params: { x: { dims: [2, 3, 4, 5] } },
      output: 'y',
    },
    opts: { samples: 40 },
  },
];
