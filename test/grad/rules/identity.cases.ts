import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'passes the gradient through',
    spec: { nodes: [node('Identity', ['x'], ['y'])], params: { x: { dims: [3, 2, 5] } }, output: 'y' },
    opts: { samples: 30 },
  },
  {
    name: 'passes it through chains and sums it over fan-out',
    spec: {
      nodes: [node('Identity', ['x'], ['h']), node('Identity', ['h'], ['k']), node('Concat', ['h', 'k', 'x'], ['y'], { axis: 0 })],
      params: { x: { dims: [2, 3] } },
      output: 'y',
    },
    opts: { samples: 30 },
  },
];
