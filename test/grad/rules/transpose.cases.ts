import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  ...[[2, 0, 3, 1], [1, 3, 0, 2], [0, 2, 1, 3]].map((perm) => ({
    name: `applies the inverse permutation of [${perm.join(',')}]`,
    spec: { nodes: [node('Transpose', ['x'], ['y'], { perm })], params: { x: { dims: [2, 3, 4, 5] } }, output: 'y' },
    opts: { samples: 24 },
  })),
  {
    name: 'reverses the axes by default',
    spec: { nodes: [node('Transpose', ['x'], ['y'])], params: { x: { dims: [2, 3, 5] } }, output: 'y' },
    opts: { samples: 24 },
  },
];
