import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { node } from '../../../src/onnx/builder.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './average-pool.cases.js';

describe('AveragePool rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses 3-D pooling', async () => {
    await expect(checkGradients({
      nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2, 2] }, { name: 'pool3d' })],
      params: { x: { dims: [1, 2, 3, 3, 3] } },
      output: 'y',
    })).rejects.toThrow(/pool3d.*3-D pooling/);
    await expect(checkGradients({
      nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2, 2] })],
      params: { x: { dims: [1, 2, 3, 3, 3] } },
      output: 'y',
    })).rejects.toBeInstanceOf(UnsupportedError);
  });
});
