import { node } from '../../../src/onnx/builder.js';
import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** edgetune.CombineMaps(z, c, bias) → y. */
export const combine = node('CombineMaps', ['z', 'c', 'bias'], ['y'], {}, { domain: 'edgetune' });

export const cases: RuleCase[] = [
  {
    name: 'a non-square batch (I=3, J=4)',
    spec: { nodes: [combine], params: { z: { dims: [2, 3, 3, 5] }, c: { dims: [3, 4] }, bias: { dims: [4] } }, output: 'y' },
  },
  {
    name: 'more inputs than outputs (I=5, J=2) and spread-out c',
    spec: {
      nodes: [combine],
      params: { z: { dims: [3, 5, 4, 2] }, c: { dims: [5, 2], data: randomFloats(seeded(3), 10, -2, 2) }, bias: { dims: [2] } },
      output: 'y',
    },
  },
  {
    name: 'composed with a depthwise Conv in front (x_i ∗ k_i, then Σ_i α_ij)',
    spec: {
      nodes: [node('Conv', ['x', 'k'], ['z'], { group: 3, pads: [1, 0, 1, 1] }), combine],
      params: { x: { dims: [2, 3, 5, 6] }, k: { dims: [3, 1, 3, 2] }, c: { dims: [3, 2] }, bias: { dims: [2] } },
      output: 'y',
    },
  },
];
