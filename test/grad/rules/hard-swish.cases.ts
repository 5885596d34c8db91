import { node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [{
  name: 'on all three segments',
  spec: {
    nodes: [node('HardSwish', ['x'], ['y'])],
    params: { x: { dims: [3, 4, 3], data: awayFrom(36, -5, 5, [-3, 3], 0.2) } },
    output: 'y',
  },
}];
