import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'three inputs broadcast to one shape',
    spec: { nodes: [node('Sum', ['a', 'b', 'c'], ['y'])], params: { a: { dims: [3, 1, 5] }, b: { dims: [4, 1] }, c: { dims: [5] } }, output: 'y' },
  },
  {
    name: 'a single input',
    spec: { nodes: [node('Sum', ['a'], ['y'])], params: { a: { dims: [2, 3] } }, output: 'y' },
  },
  {
    name: 'four same-shaped inputs and a scalar',
    spec: {
      nodes: [node('Sum', ['a', 'b', 'c', 'd', 's'], ['y'])],
      params: { a: { dims: [2, 3] }, b: { dims: [2, 3] }, c: { dims: [2, 3] }, d: { dims: [2, 3] }, s: { dims: [] } },
      output: 'y',
    },
  },
];
