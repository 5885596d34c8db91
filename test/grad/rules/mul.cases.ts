import { node } from '../../../src/onnx/builder.js';
import { broadcastCases, type RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  ...broadcastCases('Mul'),
  {
    name: 'sums both gradients when one value is both operands (x ∘ x)',
    spec: { nodes: [node('Mul', ['a', 'a'], ['y'])], params: { a: { dims: [3, 5] } }, output: 'y' },
  },
];
