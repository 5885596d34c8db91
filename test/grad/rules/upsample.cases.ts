import { floatTensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

export const cases: RuleCase[] = [
  {
    name: 'nearest ×2 × 3 with the scales attribute (opset 7)',
    spec: { nodes: [node('Upsample', ['x'], ['y'], { mode: 'nearest', scales: { floats: [1, 1, 2, 3] } })], params: { x: { dims: [2, 2, 3, 4] } }, output: 'y', opsetVersion: 7 },
    opts: S,
  },
  {
    name: 'linear with non-integer scales as an attribute (opset 8)',
    spec: { nodes: [node('Upsample', ['x'], ['y'], { mode: 'linear', scales: { floats: [1, 1, 1.5, 2.5] } })], params: { x: { dims: [1, 2, 4, 3] } }, output: 'y', opsetVersion: 8 },
    opts: S,
  },
  {
    name: 'nearest with scales as an input (opset 9)',
    spec: {
      nodes: [node('Upsample', ['x', 'scales'], ['y'], { mode: 'nearest' })],
      params: { x: { dims: [1, 3, 3, 4] } }, constants: [floatTensor('scales', [4], [1, 1, 2, 1.5])], output: 'y', opsetVersion: 9,
    },
    opts: S,
  },
  {
    name: 'linear over a 2-D tensor with scales as an input (opset 9)',
    spec: {
      nodes: [node('Upsample', ['x', 'scales'], ['y'], { mode: 'linear' })],
      params: { x: { dims: [4, 5] } }, constants: [floatTensor('scales', [2], [2, 1.4])], output: 'y', opsetVersion: 9,
    },
    opts: S,
  },
];
