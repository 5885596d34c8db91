import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases, policyCases, resizeSpec } from './resize.cases.js';

describe('Resize rule', () => {
  it.each([...cases, ...policyCases])('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses antialias with tf_crop_and_resize, naming the node', async () => {
    const spec = resizeSpec({
      opset: 18, dims: [1, 1, 6, 6], roi: [0, 0, 0.1, 0.1, 1, 1, 0.9, 0.9], scales: [1, 1, 0.5, 0.5],
      attrs: { mode: 'linear', antialias: 1, coordinate_transformation_mode: 'tf_crop_and_resize' },
    });
    await expect(checkGradients(spec)).rejects.toThrow(UnsupportedError);
    await expect(checkGradients(spec)).rejects.toThrow(/'resize'.*antialias/);
  });
});
