import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]].map((dims) => ({
  name: `averages over every spatial axis of [${dims.join(',')}]`,
  spec: { nodes: [node('GlobalAveragePool', ['x'], ['y'])], params: { x: { dims } }, output: 'y' },
  opts: { samples: 200 },
}));
