import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Squeeze emitter', () => {
  it('takes axes as an input from opset 13, negative ones included', async () => {
    await expectEmitterMatches({
      nodes: [node('Squeeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [3, 1, 4, 1, 1] } },
      constants: [int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
    });
  });

  it('takes axes as an attribute before opset 13', async () => {
    await expectEmitterMatches({
      nodes: [node('Squeeze', ['x'], ['y'], { axes: [0, -2] })],
      params: { x: { dims: [1, 3, 1, 4] } },
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('squeezes every size-1 axis without axes', async () => {
    for (const opsetVersion of [11, 17]) {
      await expectEmitterMatches({
        nodes: [node('Squeeze', ['x'], ['y'])],
        params: { x: { dims: [1, 2, 1, 3, 1] } },
        output: 'y',
        opsetVersion,
      });
    }
  });

  it('hands the input dims to the emitter upstream (after a Transpose)', async () => {
    await expectEmitterMatches({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 3, 1] }), node('Squeeze', ['t', 'axes'], ['y'])],
      params: { x: { dims: [3, 4, 1, 2] } },
      constants: [int64Tensor('axes', [1], [0])],
      output: 'y',
    });
  });
});
