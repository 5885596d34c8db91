import { node } from '../../../src/onnx/builder.js';
import { distinctValues } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]].map((dims) => ({
  name: `takes the maximum over every spatial axis of [${dims.join(',')}]`,
  spec: {
    nodes: [node('GlobalMaxPool', ['x'], ['y'])],
    params: { x: { dims, data: distinctValues(dims.reduce((a, b) => a * b, 1), 3) } },
    output: 'y',
  },
  opts: { samples: 200 },
}));
