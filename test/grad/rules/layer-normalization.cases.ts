import type { RuleCase } from './rule-case.js';
import { normSpec } from './normalization-spec.js';

const S = { samples: 24 };
const ln = (s: Parameters<typeof normSpec>[1]) => normSpec('LayerNormalization', s);

export const cases: RuleCase[] = [
  {
    name: 'a transformer block [2,3,8] over the last axis (default axis)',
    spec: ln({ x: [2, 3, 8], scale: [8], bias: [8], opsetVersion: 17 }),
    opts: S,
  },
  {
    name: 'a transformer block [2,3,8] over the last two axes (axis = -2)',
    spec: ln({ x: [2, 3, 8], scale: [3, 8], bias: [3, 8], attrs: { axis: -2 }, opsetVersion: 17 }),
    opts: S,
  },
  {
    name: 'an NCHW input [2,3,4,5] over C, H and W (axis = 1)',
    spec: ln({ x: [2, 3, 4, 5], scale: [3, 4, 5], bias: [3, 4, 5], attrs: { axis: 1 }, opsetVersion: 17 }),
    opts: S,
  },
  {
    name: 'axis = -1 with a 1-D scale, no B and a large epsilon',
    spec: ln({ x: [3, 7], scale: [7], attrs: { axis: -1, epsilon: { float: 0.3 } }, opsetVersion: 17 }),
    opts: S,
  },
  {
    name: 'scale and B broadcast over a normalised axis, Mean and InvStdDev outputs unused (opset 18)',
    spec: ln({
      x: [2, 4, 5], scale: [5], bias: [1, 5], attrs: { axis: -2, stash_type: 1 }, outputs: ['y', 'mean', 'inv_std'], opsetVersion: 18,
    }),
    opts: S,
  },
  {
    name: 'every axis (axis = 0) at opset 21',
    spec: ln({ x: [4, 6], scale: [4, 6], bias: [6], attrs: { axis: 0 }, opsetVersion: 21 }),
    opts: S,
  },
];
