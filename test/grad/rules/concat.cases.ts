import { floatTensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 30 };

export const cases: RuleCase[] = [
  {
    name: 'splits the gradient back along a negative axis',
    spec: {
      nodes: [node('Concat', ['a', 'b', 'c'], ['y'], { axis: -2 })],
      params: { a: { dims: [2, 3, 4] }, b: { dims: [2, 1, 4] }, c: { dims: [2, 2, 4] } },
      output: 'y',
    },
    opts: S,
  },
  {
    name: 'handles axis 0, a repeated input and an input that needs no gradient',
    spec: {
      nodes: [node('Concat', ['a', 'k', 'a', 'b'], ['y'], { axis: 0 })],
      params: { a: { dims: [2, 3] }, b: { dims: [1, 3] } },
      constants: [floatTensor('k', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])],
      output: 'y',
    },
    opts: S,
  },
  {
    name: 'reads the dims of an input computed in the graph (opset 11)',
    spec: {
      nodes: [node('Constant', [], ['k'], { value: floatTensor('kv', [2, 2, 1], [1, 2, 3, 4]) }), node('Concat', ['k', 'a'], ['y'], { axis: 2 })],
      params: { a: { dims: [2, 2, 3] } },
      output: 'y',
      opsetVersion: 11,
    },
    opts: S,
  },
];
