import { floatTensor, node, rawTensor } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import type { RuleCase } from './rule-case.js';

/** A BOOL scalar initializer (Dropout's training_mode input). */
export function bool(name: string, v: boolean) {
  return rawTensor(name, DataType.BOOL, [], Uint8Array.from([v ? 1 : 0]));
}

const S = { samples: 30 };

export const cases: RuleCase[] = [
  {
    name: 'is the identity in inference (ratio attribute, opset 11)',
    spec: { nodes: [node('Dropout', ['x'], ['y', 'mask'], { ratio: 0.3 })], params: { x: { dims: [3, 4] } }, output: 'y', opsetVersion: 11 },
    opts: S,
  },
  {
    name: 'is the identity with a ratio input and training_mode false (opset 13)',
    spec: {
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'])],
      params: { x: { dims: [2, 3, 4] } },
      constants: [floatTensor('r', [], [0.4]), bool('t', false)],
      output: 'y',
    },
    opts: S,
  },
  {
    name: 'is the identity without the optional inputs and mask',
    spec: { nodes: [node('Dropout', ['x'], ['y'])], params: { x: { dims: [5] } }, output: 'y' },
    opts: S,
  },
  {
    name: 'is the identity in training mode with ratio 0',
    spec: {
      nodes: [node('Dropout', ['x', 'r', 't'], ['y'])],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0]), bool('t', true)],
      output: 'y',
    },
    opts: S,
  },
];
