import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 40 };

export const cases: RuleCase[] = [
  {
    name: 'concatenates the gradients, zeros for an unused output (split input, opset 13+)',
    spec: {
      nodes: [node('Split', ['x', 'split'], ['p', 'q', 'r'], { axis: -1 }), node('Concat', ['r', 'p'], ['y'], { axis: -1 })],
      params: { x: { dims: [2, 3, 7] } },
      constants: [int64Tensor('split', [3], [2, 4, 1])],
      output: 'y',
    },
    opts: S,
  },
  {
    name: 'takes split as an attribute before opset 13',
    spec: { nodes: [node('Split', ['x'], ['p', 'q'], { axis: 1, split: [1, 3] })], params: { x: { dims: [2, 4, 3] } }, output: 'q', opsetVersion: 11 },
    opts: S,
  },
  ...[11, 13].map((opsetVersion) => ({
    name: `splits evenly by the number of outputs when split is absent (opset ${opsetVersion})`,
    spec: {
      nodes: [node('Split', ['x'], ['p', 'q', 'r']), node('Concat', ['q', 'r', 'q'], ['y'], { axis: 1 })],
      params: { x: { dims: [6, 2] } },
      output: 'y',
      opsetVersion,
    },
    opts: S,
  })),
  {
    name: 'handles num_outputs with a shorter last piece (opset 18)',
    spec: {
      nodes: [node('Split', ['x'], ['p', 'q', 'r'], { axis: 1, num_outputs: 3 }), node('Concat', ['r', 'p'], ['y'], { axis: 1 })],
      params: { x: { dims: [2, 8, 3] } },
      output: 'y',
      opsetVersion: 18,
    },
    opts: S,
  },
];
