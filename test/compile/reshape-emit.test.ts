import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Reshape emitter', () => {
  it('reshapes the gradient back through 0 and −1 in the target shape', async () => {
    await expectEmitterMatches({
      nodes: [node('Reshape', ['x', 'shape'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('shape', [3], [0, -1, 4])],
      output: 'y',
    });
  });

  it('handles allowzero = 1 (opset 14) and a computed shape', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Shape', ['t'], ['shape']),
        node('Reshape', ['x', 'shape'], ['y'], { allowzero: 1 }),
      ],
      params: { x: { dims: [3, 10] } },
      constants: [int64Tensor('t', [5, 2, 3], new Array(30).fill(0))],
      output: 'y',
      opsetVersion: 14,
    });
  });

  it('handles the opset 11 form', async () => {
    await expectEmitterMatches({
      nodes: [node('Reshape', ['x', 'shape'], ['y'])],
      params: { x: { dims: [6, 7] } },
      constants: [int64Tensor('shape', [3], [7, -1, 2])],
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('hands the input dims to the emitter upstream (after a Transpose)', async () => {
    await expectEmitterMatches({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [1, 2, 0] }), node('Reshape', ['t', 'shape'], ['y'])],
      params: { x: { dims: [2, 3, 5] } },
      constants: [int64Tensor('shape', [2], [-1, 6])],
      output: 'y',
    });
  });
});
