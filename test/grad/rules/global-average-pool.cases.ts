import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = ([[[2, 3, 5, 4], 17], [[3, 2, 7], 17], [[2, 2, 3, 2, 3], 17], [[2, 3, 4, 3], 7], [[2, 2, 3, 2, 3], 8], [[1, 2, 257, 256], 17]] as [number[], number][]).map(([dims, opsetVersion]) => ({
  name: `averages over every spatial axis of [${dims.join(',')}] at opset ${opsetVersion}`,
  spec: { nodes: [node('GlobalAveragePool', ['x'], ['y'])], params: { x: { dims } }, output: 'y', opsetVersion },
  opts: { samples: 200 },
}));
