import { node } from '../../../src/onnx/builder.js';
import { broadcastCases, type RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  ...broadcastCases('Sub'),
  {
    name: 'gives only the trained operand a gradient when the other is a graph input',
    spec: {
      nodes: [node('Sub', ['c', 'b'], ['y'])],
      params: { b: { dims: [2, 3] } },
      feeds: { c: { dims: [3], data: Float32Array.from([0.5, -1.25, 2]) } },
      output: 'y',
    },
  },
];
