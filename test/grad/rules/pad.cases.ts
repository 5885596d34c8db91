import { floatTensor, int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

export const cases: RuleCase[] = [
  {
    name: 'crops the gradient for positive, asymmetric pads (opset 11, pads input)',
    spec: {
      nodes: [node('Pad', ['x', 'pads'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [8], [0, 1, 2, 0, 1, 0, 1, 3])],
      output: 'y',
      opsetVersion: 11,
    },
    opts: S,
  },
  {
    name: 'zero-fills what negative pads cropped, with a constant_value input',
    spec: {
      nodes: [node('Pad', ['x', 'pads', 'v'], ['y'], { mode: 'constant' })],
      params: { x: { dims: [2, 3, 6, 5] } },
      constants: [int64Tensor('pads', [8], [0, -1, 2, -2, 1, 0, -3, 1]), floatTensor('v', [], [0.75])],
      output: 'y',
    },
    opts: S,
  },
  {
    name: 'pads only the listed axes, negative ones included (opset 18)',
    spec: {
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [4], [2, -1, -1, 3]), int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
      opsetVersion: 18,
    },
    opts: S,
  },
  {
    name: 'reads pads as an attribute before opset 11',
    spec: { nodes: [node('Pad', ['x'], ['y'], { pads: [1, -1, 0, 2], value: 0.5 })], params: { x: { dims: [3, 4] } }, output: 'y', opsetVersion: 10 },
    opts: S,
  },
];
