import type { RuleCase } from './rule-case.js';
import { gatherSpec } from './indexing-spec.js';

const S = { samples: 80 };

export const cases: RuleCase[] = [
  ...[11, 13, 16, 18, 21].map((opset): RuleCase => ({
    name: `accumulates repeated and negative indices along axis 0, more indices than rows (opset ${opset})`,
    spec: gatherSpec('GatherElements', [4, 3], [5, 3], [0, 1, -1, 3, 1, 1, -4, 2, 0, 0, 0, 3, 2, -3, 2], {}, opset),
    opts: S,
  })),
  ...[11, 18].map((opset): RuleCase => ({
    name: `indices smaller than data off the axis, negative axis, int32 (opset ${opset})`,
    spec: gatherSpec('GatherElements', [3, 5, 4], [2, 3, 4], [
      0, 4, -1, 2, 1, 1, 1, 3, -5, 0, 2, 2,
      3, 3, 0, -2, 4, 0, 1, 1, 2, 2, 2, 0,
    ], { axis: -2 }, opset, 'int32'),
    opts: S,
  })),
  ...[13, 18].map((opset): RuleCase => ({
    name: `gathers along the last axis of a 3-D input with a longer axis (opset ${opset})`,
    spec: gatherSpec('GatherElements', [2, 3, 4], [2, 2, 6], [
      0, 3, 3, -1, 1, 2, 2, 2, 0, 1, -4, 3,
      1, 1, 1, 0, 3, -2, 0, 0, 2, 3, 1, 2,
    ], { axis: 2 }, opset),
    opts: S,
  })),
];
