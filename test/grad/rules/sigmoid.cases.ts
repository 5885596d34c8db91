import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [{
  name: 'on an odd shape',
  spec: { nodes: [node('Sigmoid', ['x'], ['y'])], params: { x: { dims: [3, 5, 2] } }, output: 'y' },
}];
