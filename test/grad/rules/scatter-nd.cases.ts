import type { RuleCase } from './rule-case.js';
import { scatterSpec } from './indexing-spec.js';

const S = { samples: 80 };

export const cases: RuleCase[] = [
  ...[11, 13, 18].map((opset): RuleCase => ({
    name: `replaces whole slices, a negative index among them (opset ${opset})`,
    spec: scatterSpec('ScatterND', [4, 3, 2], [2, 1], [1, -1], [2, 3, 2], {}, opset),
    opts: S,
  })),
  {
    name: 'replaces rows picked by index pairs',
    spec: scatterSpec('ScatterND', [3, 4, 2], [3, 2], [0, 1, 2, -1, 1, 1], [3, 2], {}, 13),
    opts: S,
  },
  {
    name: 'replaces single elements with 2-D leading index axes',
    spec: scatterSpec('ScatterND', [3, 4], [2, 2, 2], [0, 0, 2, 3, 1, 1, -1, 0], [2, 2], { reduction: 'none' }, 16),
    opts: S,
  },
  ...[16, 18].map((opset): RuleCase => ({
    name: `adds repeated slices (reduction add, opset ${opset})`,
    spec: scatterSpec('ScatterND', [5, 3], [4, 1], [2, -3, 0, 4], [4, 3], { reduction: 'add' }, opset),
    opts: S,
  })),
  ...[16, 18].map((opset): RuleCase => ({
    name: `multiplies repeated slices (reduction mul, opset ${opset})`,
    spec: scatterSpec('ScatterND', [5, 3], [5, 1], [2, -3, 0, 4, 2], [5, 3], { reduction: 'mul' }, opset),
    opts: S,
  })),
  {
    name: 'multiplies repeated single elements (reduction mul, index pairs)',
    spec: scatterSpec('ScatterND', [3, 4], [4, 2], [1, 1, 0, 2, 1, 1, -2, -3], [4], { reduction: 'mul' }, 18),
    opts: S,
  },
];
