import type { RuleCase } from './rule-case.js';
import { normSpec } from './normalization-spec.js';

const S = { samples: 24 };
const gn = (s: Parameters<typeof normSpec>[1]) => normSpec('GroupNormalization', s);

export const cases: RuleCase[] = [
  {
    name: 'opset 18: scale and bias per group, [2,4,3,2] in 2 groups',
    spec: gn({ x: [2, 4, 3, 2], scale: [2], bias: [2], attrs: { num_groups: 2 }, opsetVersion: 18 }),
    opts: S,
  },
  {
    name: 'opset 18: one group per channel, [2,3,5] with epsilon 0.1',
    spec: gn({ x: [2, 3, 5], scale: [3], bias: [3], attrs: { num_groups: 3, epsilon: { float: 0.1 } }, opsetVersion: 18 }),
    opts: S,
  },
  {
    name: 'opset 21: scale and bias per channel, [2,6,5] in 3 groups',
    spec: gn({ x: [2, 6, 5], scale: [6], bias: [6], attrs: { num_groups: 3 }, opsetVersion: 21 }),
    opts: S,
  },
  {
    name: 'opset 21: a single group over [2,4,2,3] with stash_type 1',
    spec: gn({ x: [2, 4, 2, 3], scale: [4], bias: [4], attrs: { num_groups: 1, stash_type: 1 }, opsetVersion: 21 }),
    opts: S,
  },
];
