import { floatTensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [{
  name: 'leaves the gradient of a parameter it is concatenated with intact',
  spec: {
    nodes: [node('Constant', [], ['k'], { value: floatTensor('kv', [1, 3], [0.5, -1, 2]) }), node('Concat', ['x', 'k'], ['y'], { axis: 0 })],
    params: { x: { dims: [2, 3] } },
    output: 'y',
  },
  opts: { samples: 30 },
}];
