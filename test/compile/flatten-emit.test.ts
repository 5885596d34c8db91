import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Flatten emitter', () => {
  for (const axis of [1, 2, -1, 0, 4]) {
    it(`reshapes the gradient back for axis ${axis}`, async () => {
      await expectEmitterMatches({
        nodes: [node('Flatten', ['x'], ['y'], { axis })],
        params: { x: { dims: [2, 3, 4, 5] } },
        output: 'y',
      });
    });
  }

  it('uses axis 1 by default (opset 11)', async () => {
    await expectEmitterMatches({
      nodes: [node('Flatten', ['x'], ['y'])],
      params: { x: { dims: [3, 2, 5] } },
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('hands the input dims to the emitter upstream (after a Transpose)', async () => {
    await expectEmitterMatches({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 3, 1] }), node('Flatten', ['t'], ['y'], { axis: -2 })],
      params: { x: { dims: [2, 3, 4, 5] } },
      output: 'y',
    });
  });
});
