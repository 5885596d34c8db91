import type { RuleCase } from './rule-case.js';
import { scatterSpec } from './indexing-spec.js';

const S = { samples: 80 };

export const cases: RuleCase[] = [
  ...[11, 13, 18].map((opset): RuleCase => ({
    name: `replaces elements along axis 0 (opset ${opset})`,
    spec: scatterSpec('ScatterElements', [4, 3], [2, 3], [1, 0, 3, -1, 2, 0], [2, 3], {}, opset),
    opts: S,
  })),
  {
    name: 'replaces elements along a negative axis, indices smaller off the axis, int32',
    spec: scatterSpec('ScatterElements', [3, 5], [2, 2], [4, -5, 1, 3], [2, 2], { axis: -1 }, 13, 'int32'),
    opts: S,
  },
  ...[16, 18].map((opset): RuleCase => ({
    name: `adds repeated elements along axis 1 (reduction add, opset ${opset})`,
    spec: scatterSpec('ScatterElements', [3, 4], [3, 5], [0, 0, 3, -1, 2, 1, 1, 1, 0, 2, 3, 3, 0, 1, 0], [3, 5], { axis: 1, reduction: 'add' }, opset),
    opts: S,
  })),
  ...[16, 18].map((opset): RuleCase => ({
    name: `multiplies repeated elements along axis 0 (reduction mul, opset ${opset})`,
    spec: scatterSpec('ScatterElements', [3, 4], [4, 4], [0, 1, 2, 2, 0, -2, 2, 1, 1, 1, 0, 2, 0, 0, -1, 0], [4, 4], { reduction: 'mul' }, opset),
    opts: S,
  })),
  {
    name: 'multiplies repeated elements along the middle axis of a 3-D input (reduction mul)',
    spec: scatterSpec('ScatterElements', [2, 3, 2], [2, 3, 2], [0, 2, 0, 2, 1, 1, 2, 2, 2, 0, -3, 1], [2, 3, 2], { axis: 1, reduction: 'mul' }, 18),
    opts: S,
  },
];
