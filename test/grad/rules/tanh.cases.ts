import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const tanh = [node('Tanh', ['x'], ['y'])];

export const cases: RuleCase[] = [
  { name: 'on an odd shape', spec: { nodes: tanh, params: { x: { dims: [3, 5, 2] } }, output: 'y' } },
  {
    name: 'in the saturated range',
    spec: { nodes: tanh, params: { x: { dims: [2, 6], data: Float32Array.from({ length: 12 }, (_, i) => -2.5 + (5 * i) / 11) } }, output: 'y' },
  },
];
