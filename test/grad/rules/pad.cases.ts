import { floatTensor, int64Tensor, node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

/** y = Pad(x) in a gather mode with the pads as an input (opset 11+), axes as input 3 when given (opset 18+). */
function gatherPad(mode: string, dims: number[], pads: number[], opset: number, axes?: number[]): RuleCase['spec'] {
  return {
    nodes: [node('Pad', axes ? ['x', 'pads', '', 'axes'] : ['x', 'pads'], ['y'], { mode }, { name: 'pad' })],
    params: { x: { dims } },
    constants: [int64Tensor('pads', [pads.length], pads), ...(axes ? [int64Tensor('axes', [axes.length], axes)] : [])],
    output: 'y',
    opsetVersion: opset,
  };
}

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
  {
    name: 'reflect sums each mirrored copy back (opset 11, pads input)',
    spec: gatherPad('reflect', [2, 3, 4, 5], [0, 0, 1, 2, 0, 0, 2, 1], 11),
    opts: S,
  },
  {
    name: 'edge sums the clamped copies into the border, with crops (opset 13)',
    spec: gatherPad('edge', [2, 3, 5, 6], [0, 1, -1, 2, 0, -1, 2, -2], 13),
    opts: S,
  },
  {
    name: 'edge over a 1-D tensor (opset 13)',
    spec: gatherPad('edge', [6], [3, 2], 13),
    opts: S,
  },
  {
    name: 'reflect on every axis, pads one short of the length (opset 16)',
    spec: gatherPad('reflect', [2, 3, 4], [1, 2, 3, 1, 2, 3], 16),
    opts: S,
  },
  {
    name: 'reflect on the listed axes only, negative axis included (opset 18)',
    spec: gatherPad('reflect', [2, 3, 4, 5], [1, 2, 2, 1], 18, [-1, 2]),
    opts: S,
  },
  {
    name: 'wrap with pads and crops (opset 19)',
    spec: gatherPad('wrap', [2, 5, 6], [0, -1, 2, 0, 3, -2], 19),
    opts: S,
  },
  {
    name: 'wrap around every axis (opset 19)',
    spec: gatherPad('wrap', [2, 3, 4, 5], [0, 1, 2, 3, 0, 2, 3, 1], 19),
    opts: S,
  },
  {
    name: 'reflect with the pads attribute (opset 10)',
    spec: { nodes: [node('Pad', ['x'], ['y'], { mode: 'reflect', pads: [0, 1, 2, 0, 2, 1] })], params: { x: { dims: [3, 4, 5] } }, output: 'y', opsetVersion: 10 },
    opts: S,
  },
  {
    name: 'edge with the pads attribute, wide enough for many copies of the border (opset 7)',
    spec: { nodes: [node('Pad', ['x'], ['y'], { mode: 'edge', pads: [1, 9, -1, 0, 2, 1] })], params: { x: { dims: [3, 3, 4] } }, output: 'y', opsetVersion: 7 },
    opts: S,
  },
  {
    name: 'a reflect-padded convolution (ReflectionPad2d then Conv, opset 13)',
    spec: {
      nodes: [node('Pad', ['x', 'pads'], ['p'], { mode: 'reflect' }, { name: 'pad' }), node('Conv', ['p', 'w'], ['y'])],
      params: { x: { dims: [1, 2, 5, 5] }, w: { dims: [3, 2, 3, 3] } },
      constants: [int64Tensor('pads', [8], [0, 0, 1, 1, 0, 0, 1, 1])],
      output: 'y',
      opsetVersion: 13,
    },
    opts: S,
  },
];
