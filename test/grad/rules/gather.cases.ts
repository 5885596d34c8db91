import type { RuleCase } from './rule-case.js';
import { gatherSpec } from './indexing-spec.js';

const S = { samples: 80 };

/** Rows 0 and 4 of [5,4] picked several times (0 also as −5), 2 once as −3: the gradient must accumulate. */
const DUPLICATES = [0, -1, 2, 0, 4, -5];

export const cases: RuleCase[] = [
  ...[11, 13, 18, 21].map((opset): RuleCase => ({
    name: `accumulates repeated and negative indices along axis 0 (opset ${opset})`,
    spec: gatherSpec('Gather', [5, 4], [3, 2], DUPLICATES, {}, opset),
    opts: S,
  })),
  {
    name: 'accumulates repeated indices before opset 11 (non-negative indices)',
    spec: gatherSpec('Gather', [5, 4], [2, 3], [0, 3, 3, 1, 0, 3], {}, 9),
    opts: S,
  },
  ...[13, 18].map((opset): RuleCase => ({
    name: `gathers a middle axis with int32 indices and a negative axis (opset ${opset})`,
    spec: gatherSpec('Gather', [3, 6, 4], [5], [2, -1, 2, 0, 5], { axis: -2 }, opset, 'int32'),
    opts: S,
  })),
  ...[11, 16].map((opset): RuleCase => ({
    name: `takes a scalar index on the last axis (opset ${opset})`,
    spec: gatherSpec('Gather', [2, 3, 5], [], [-2], { axis: 2 }, opset),
    opts: S,
  })),
  ...[12, 17].map((opset): RuleCase => ({
    name: `takes 3-D indices on the last axis of a 2-D input (opset ${opset})`,
    spec: gatherSpec('Gather', [3, 7], [2, 2, 2], [6, 0, -7, 3, 3, 3, 1, -1], { axis: -1 }, opset),
    opts: S,
  })),
];
