import type { RuleCase } from './rule-case.js';
import { normSpec } from './normalization-spec.js';

const S = { samples: 24 };
const inorm = (s: Parameters<typeof normSpec>[1]) => normSpec('InstanceNormalization', s);

export const cases: RuleCase[] = [
  { name: '[2,3,4,5] at opset 11', spec: inorm({ x: [2, 3, 4, 5], scale: [3], bias: [3], opsetVersion: 11 }), opts: S },
  { name: '[2,3,4,5] at opset 17', spec: inorm({ x: [2, 3, 4, 5], scale: [3], bias: [3], opsetVersion: 17 }), opts: S },
  {
    name: '[2,3,4,5] with epsilon 0.2 at opset 18 (ReduceMean axes as an input)',
    spec: inorm({ x: [2, 3, 4, 5], scale: [3], bias: [3], attrs: { epsilon: { float: 0.2 } }, opsetVersion: 18 }),
    opts: S,
  },
  { name: 'an [N,C,L] input [3,2,7] at opset 7', spec: inorm({ x: [3, 2, 7], scale: [2], bias: [2], opsetVersion: 7 }), opts: S },
  { name: 'a 3-D spatial input [1,2,3,2,4] at opset 13', spec: inorm({ x: [1, 2, 3, 2, 4], scale: [2], bias: [2], opsetVersion: 13 }), opts: S },
];
