import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { padConstant } from '../../../src/grad/rules/pad.js';
import { int64Tensor, node } from '../../../src/onnx/builder.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './pad.cases.js';

describe('Pad rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
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
