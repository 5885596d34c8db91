import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Unsqueeze emitter', () => {
  it('takes axes as an input from opset 13, negative ones included', async () => {
    await expectEmitterMatches({
      nodes: [node('Unsqueeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [3, 4, 2] } },
      constants: [int64Tensor('axes', [3], [0, -1, 2])],
      output: 'y',
    });
  });

  it('takes axes as an attribute before opset 13', async () => {
    await expectEmitterMatches({
      nodes: [node('Unsqueeze', ['x'], ['y'], { axes: [-4, 1] })],
      params: { x: { dims: [3, 5] } },
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('reads axes computed in the graph', async () => {
    await expectEmitterMatches({
      nodes: [node('Identity', ['a'], ['axes']), node('Unsqueeze', ['x', 'axes'], ['y'])],
      params: { x: { dims: [2, 3] } },
      constants: [int64Tensor('a', [1], [1])],
      output: 'y',
    });
  });

  it('hands the input dims to the emitter upstream (after a Transpose)', async () => {
    await expectEmitterMatches({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [2, 0, 1] }), node('Unsqueeze', ['t', 'axes'], ['y'])],
      params: { x: { dims: [2, 3, 4] } },
      constants: [int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
    });
  });
});
