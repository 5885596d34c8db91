import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import { floatTensor, node, rawTensor } from '../../../src/onnx/builder.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';

const S = { samples: 30 };

function bool(name: string, v: boolean) {
  return rawTensor(name, DataType.BOOL, [], Uint8Array.from([v ? 1 : 0]));
}

describe('Dropout rule', () => {
  it('is the identity in inference (ratio attribute, opset 11)', async () => {
    await expectGradientsMatch({
      nodes: [node('Dropout', ['x'], ['y', 'mask'], { ratio: 0.3 })],
      params: { x: { dims: [3, 4] } },
      output: 'y',
      opsetVersion: 11,
    }, S);
  });

  it('is the identity with a ratio input and training_mode false (opset 13)', async () => {
    await expectGradientsMatch({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'])],
      params: { x: { dims: [2, 3, 4] } },
      constants: [floatTensor('r', [], [0.4]), bool('t', false)],
      output: 'y',
    }, S);
    await expectGradientsMatch({
      nodes: [node('Dropout', ['x'], ['y'])],
      params: { x: { dims: [5] } },
      output: 'y',
    }, S);
  });

  it('is the identity in training mode with ratio 0', async () => {
    await expectGradientsMatch({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y'])],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0]), bool('t', true)],
      output: 'y',
    }, S);
  });

  it('refuses training mode, naming the node', async () => {
    await expect(checkGradients({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'], {}, { name: 'drop1' })],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0.5]), bool('t', true)],
      output: 'y',
    })).rejects.toThrow(UnsupportedError);
    await expect(checkGradients({
      nodes: [node('Dropout', ['x', '', 't'], ['y'], {}, { name: 'drop2' })],
      params: { x: { dims: [2, 3] } },
      constants: [bool('t', true)],
      output: 'y',
    })).rejects.toThrow(/'drop2'/);
  });
});
