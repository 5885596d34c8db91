import { floatTensor, node } from '../../../src/onnx/builder.js';
import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

export const cases: RuleCase[] = [
  {
    name: 'ReLU6 = Clip(x, 0, 6)',
    spec: {
      nodes: [node('Clip', ['x', 'lo', 'hi'], ['y'])],
      params: { x: { dims: [2, 3, 5], data: awayFrom(30, -2, 8, [0, 6]) } },
      constants: [floatTensor('lo', [], [0]), floatTensor('hi', [], [6])],
      output: 'y',
    },
  },
  {
    name: 'only a min bound',
    spec: {
      nodes: [node('Clip', ['x', 'lo'], ['y'])],
      params: { x: { dims: [3, 7], data: awayFrom(21, -1, 1, [-0.25]) } },
      constants: [floatTensor('lo', [], [-0.25])],
      output: 'y',
    },
  },
  {
    name: 'only a max bound (min left empty)',
    spec: {
      nodes: [node('Clip', ['x', '', 'hi'], ['y'])],
      params: { x: { dims: [3, 7], data: awayFrom(21, -1, 1, [0.4]) } },
      constants: [floatTensor('hi', [], [0.4])],
      output: 'y',
    },
  },
  {
    name: 'passes the gradient everywhere without bounds',
    spec: { nodes: [node('Clip', ['x'], ['y'])], params: { x: { dims: [4, 3] } }, output: 'y' },
  },
  {
    name: 'reads the bounds from attributes before opset 11',
    spec: {
      nodes: [node('Clip', ['x'], ['y'], { min: -0.3, max: 0.45 })],
      params: { x: { dims: [2, 9], data: awayFrom(18, -1, 1, [-0.3, 0.45]) } },
      output: 'y',
      opsetVersion: 10,
    },
  },
  {
    name: 'attribute bounds at opset 8, where the emitter has no Where',
    spec: {
      nodes: [node('Clip', ['x'], ['y'], { min: -0.3, max: 0.45 })],
      params: { x: { dims: [2, 9], data: awayFrom(18, -1, 1, [-0.3, 0.45]) } },
      output: 'y',
      opsetVersion: 8,
    },
  },
];
