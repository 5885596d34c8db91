import type { RuleCase } from './rule-case.js';
import { gatherSpec } from './indexing-spec.js';

const S = { samples: 80 };

export const cases: RuleCase[] = [
  ...[11, 13, 18, 21].map((opset): RuleCase => ({
    name: `accumulates repeated and negative index pairs into slices (opset ${opset})`,
    spec: gatherSpec('GatherND', [4, 3, 5], [4, 2], [1, 2, -3, -1, 1, 2, 3, 0], {}, opset),
    opts: S,
  })),
  {
    name: 'picks rows with single-entry tuples and 2-D leading index axes',
    spec: gatherSpec('GatherND', [5, 4], [2, 3, 1], [0, 4, -1, 2, 0, 0], {}, 13),
    opts: S,
  },
  {
    name: 'picks single elements when tuples are as long as the rank',
    spec: gatherSpec('GatherND', [3, 4], [5, 2], [0, 0, 2, 3, -1, -1, 1, 2, 0, 0], {}, 13),
    opts: S,
  },
  ...[12, 13, 18].map((opset): RuleCase => ({
    name: `one batch axis (batch_dims 1, opset ${opset})`,
    spec: gatherSpec('GatherND', [2, 4, 3], [2, 3, 1], [3, 3, 0, -1, 1, 2], { batch_dims: 1 }, opset),
    opts: S,
  })),
  ...[13, 18].map((opset): RuleCase => ({
    name: `two batch axes and tuples reaching single elements (batch_dims 2, opset ${opset})`,
    spec: gatherSpec('GatherND', [2, 3, 4, 5], [2, 3, 2, 2], [
      0, 1, 3, 4, 2, 2, 2, 2, 1, 0, -1, -1,
      3, 0, 3, 0, 0, 4, 1, 3, 2, 1, 2, 1,
    ], { batch_dims: 2 }, opset),
    opts: S,
  })),
];
