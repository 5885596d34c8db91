import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { padConstant } from '../../../src/grad/rules/pad.js';
import { floatTensor, int64Tensor, node } from '../../../src/onnx/builder.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';

const S = { samples: 60 };

describe('Pad rule', () => {
  it('crops the gradient for positive, asymmetric pads (opset 11, pads input)', async () => {
    await expectGradientsMatch({
      nodes: [node('Pad', ['x', 'pads'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [8], [0, 1, 2, 0, 1, 0, 1, 3])],
      output: 'y',
      opsetVersion: 11,
    }, S);
  });

  it('zero-fills what negative pads cropped, with a constant_value input', async () => {
    await expectGradientsMatch({
      nodes: [node('Pad', ['x', 'pads', 'v'], ['y'], { mode: 'constant' })],
      params: { x: { dims: [2, 3, 6, 5] } },
      constants: [int64Tensor('pads', [8], [0, -1, 2, -2, 1, 0, -3, 1]), floatTensor('v', [], [0.75])],
      output: 'y',
    }, S);
  });

  it('pads only the listed axes, negative ones included (opset 18)', async () => {
    await expectGradientsMatch({
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [4], [2, -1, -1, 3]), int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
      opsetVersion: 18,
    }, S);
  });

  it('reads pads as an attribute before opset 11', async () => {
    await expectGradientsMatch({
      nodes: [node('Pad', ['x'], ['y'], { pads: [1, -1, 0, 2], value: 0.5 })],
      params: { x: { dims: [3, 4] } },
      output: 'y',
      opsetVersion: 10,
    }, S);
  });

  it('refuses the non-constant modes', async () => {
    await expect(checkGradients({
      nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'reflect' }, { name: 'mirror' })],
      params: { x: { dims: [1, 2, 4, 4] } },
      constants: [int64Tensor('pads', [8], [0, 0, 1, 1, 0, 0, 1, 1])],
      output: 'y',
    })).rejects.toThrow(UnsupportedError);
    await expect(checkGradients({
      nodes: [node('Pad', ['x', 'pads'], ['y'], { mode: 'edge' }, { name: 'border' })],
      params: { x: { dims: [1, 2, 4, 4] } },
      constants: [int64Tensor('pads', [8], [0, 0, 1, 1, 0, 0, 1, 1])],
      output: 'y',
    })).rejects.toThrow(/'border'.*'edge'/);
  });

  it('padConstant pads and crops by hand', () => {
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const y = padConstant(x, [1, -1], [-1, 1]);
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 2, 3, 0]);
  });
});
