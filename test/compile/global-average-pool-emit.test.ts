import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('GlobalAveragePool emitter', () => {
  for (const dims of [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]]) {
    it(`averages over every spatial axis of [${dims.join(',')}]`, async () => {
      await expectEmitterMatches({
        nodes: [node('GlobalAveragePool', ['x'], ['y'])],
        params: { x: { dims } },
        output: 'y',
      });
    });
  }
});
