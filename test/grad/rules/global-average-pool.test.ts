import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('GlobalAveragePool rule', () => {
  for (const dims of [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]]) {
    it(`averages over every spatial axis of [${dims.join(',')}]`, async () => {
      await expectGradientsMatch({
        nodes: [node('GlobalAveragePool', ['x'], ['y'])],
        params: { x: { dims } },
        output: 'y',
      }, { samples: 200 });
    });
  }
});
