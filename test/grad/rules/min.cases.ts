import { node } from '../../../src/onnx/builder.js';
import { variadicCases, variadicTieCases } from './reduce-cases.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  ...variadicCases('Min'),
  {
    name: 'splits the gradient between the two operands of one value (Min(a, a))',
    spec: { nodes: [node('Min', ['a', 'a'], ['y'])], params: { a: { dims: [3, 5] } }, output: 'y' },
  },
];

/** Tied values, for the emitter check only (see variadicTieCases). */
export const tieCases: RuleCase[] = variadicTieCases('Min');
