import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Tanh rule', () => {
  it('matches central differences through ONNX Runtime on an odd shape', async () => {
    await expectGradientsMatch({
      nodes: [node('Tanh', ['x'], ['y'])],
      params: { x: { dims: [3, 5, 2] } },
      output: 'y',
    });
  });

  it('matches central differences in the saturated range', async () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => -2.5 + (5 * i) / 11);
    await expectGradientsMatch({
      nodes: [node('Tanh', ['x'], ['y'])],
      params: { x: { dims: [2, 6], data } },
      output: 'y',
    });
  });
});
