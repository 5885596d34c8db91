import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { randomFloats, seeded } from '../helpers/random.js';

const combine = node('CombineMaps', ['z', 'c', 'bias'], ['y'], {}, { domain: 'edgetune' });

describe('edgetune.CombineMaps emitter', () => {
  it('a non-square batch (I=3, J=4)', async () => {
    await expectEmitterMatches({
      nodes: [combine],
      params: { z: { dims: [2, 3, 3, 5] }, c: { dims: [3, 4] }, bias: { dims: [4] } },
      output: 'y',
    });
  });

  it('more inputs than outputs (I=5, J=2) and spread-out c', async () => {
    await expectEmitterMatches({
      nodes: [combine],
      params: {
        z: { dims: [3, 5, 4, 2] },
        c: { dims: [5, 2], data: randomFloats(seeded(3), 10, -2, 2) },
        bias: { dims: [2] },
      },
      output: 'y',
    });
  });

  it('composed with a depthwise Conv in front (x_i ∗ k_i, then Σ_i α_ij)', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'k'], ['z'], { group: 3, pads: [1, 0, 1, 1] }),
        node('CombineMaps', ['z', 'c', 'bias'], ['y'], {}, { domain: 'edgetune' }),
      ],
      params: { x: { dims: [2, 3, 5, 6] }, k: { dims: [3, 1, 3, 2] }, c: { dims: [3, 2] }, bias: { dims: [2] } },
      output: 'y',
    });
  });

  it('maps fed at run time: only c and bias are trained', async () => {
    await expectEmitterMatches({
      nodes: [combine],
      params: { c: { dims: [2, 3] }, bias: { dims: [3] } },
      feeds: { z: { dims: [2, 2, 3, 2], data: randomFloats(seeded(8), 24) } },
      output: 'y',
    });
  });
});
