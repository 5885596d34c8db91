import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Transpose emitter', () => {
  it('applies the inverse permutation', async () => {
    for (const perm of [[2, 0, 3, 1], [1, 3, 0, 2], [0, 2, 1, 3]]) {
      await expectEmitterMatches({
        nodes: [node('Transpose', ['x'], ['y'], { perm })],
        params: { x: { dims: [2, 3, 4, 5] } },
        output: 'y',
      });
    }
  });

  it('reverses the axes by default', async () => {
    await expectEmitterMatches({
      nodes: [node('Transpose', ['x'], ['y'])],
      params: { x: { dims: [2, 3, 5] } },
      output: 'y',
    });
  });
});
