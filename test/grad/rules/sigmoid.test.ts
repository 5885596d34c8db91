import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Sigmoid rule', () => {
  it('matches central differences through ONNX Runtime on an odd shape', async () => {
    await expectGradientsMatch({
      nodes: [node('Sigmoid', ['x'], ['y'])],
      params: { x: { dims: [3, 5, 2] } },
      output: 'y',
    });
  });
});
