import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

function subsampleNode(attrs: Record<string, number> = {}) {
  return node('Subsample', ['x', 'beta', 'bias'], ['y'], attrs, { domain: 'edgetune' });
}

describe('edgetune.Subsample emitter', () => {
  it('default size 2 on a non-square batch', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode()],
      params: { x: { dims: [2, 3, 6, 4] }, beta: { dims: [3] }, bias: { dims: [3] } },
      output: 'y',
    });
  });

  it('size 3 with leftover rows and columns (zero padding of up(δ))', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 3 })],
      params: { x: { dims: [3, 2, 7, 8] }, beta: { dims: [2] }, bias: { dims: [2] } },
      output: 'y',
    });
  });

  it('leftover rows only', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 2 })],
      params: { x: { dims: [2, 2, 5, 6] }, beta: { dims: [2] }, bias: { dims: [2] } },
      output: 'y',
    });
  });

  it('beta and bias of shape [1] broadcast over the maps', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 2 })],
      params: { x: { dims: [2, 3, 5, 4] }, beta: { dims: [1] }, bias: { dims: [1] } },
      output: 'y',
    });
  });

  it('size 1 (the identity block)', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 1 })],
      params: { x: { dims: [2, 3, 3, 4] }, beta: { dims: [3] }, bias: { dims: [3] } },
      output: 'y',
    });
  });

  it('after a Conv, as in the paper\'s C → S layers', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 0, 0, 1] }),
        node('Subsample', ['c', 'beta', 'bias'], ['y'], { size: 2 }, { domain: 'edgetune' }),
      ],
      params: { x: { dims: [2, 2, 7, 6] }, w: { dims: [3, 2, 3, 2] }, b: { dims: [3] }, beta: { dims: [3] }, bias: { dims: [3] } },
      output: 'y',
    });
  });

  it('an input fed at run time: only beta and bias are trained', async () => {
    const data = Float32Array.from({ length: 2 * 2 * 5 * 7 }, (_, i) => Math.cos(0.3 * i));
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 2 })],
      params: { beta: { dims: [2] }, bias: { dims: [2] } },
      feeds: { x: { dims: [2, 2, 5, 7], data } },
      output: 'y',
    });
  });
});
