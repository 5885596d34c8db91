import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Sum rule', () => {
  it('matches central differences for three inputs broadcast to one shape', async () => {
    await expectGradientsMatch({
      nodes: [node('Sum', ['a', 'b', 'c'], ['y'])],
      params: { a: { dims: [3, 1, 5] }, b: { dims: [4, 1] }, c: { dims: [5] } },
      output: 'y',
    });
  });

  it('matches central differences for a single input', async () => {
    await expectGradientsMatch({
      nodes: [node('Sum', ['a'], ['y'])],
      params: { a: { dims: [2, 3] } },
      output: 'y',
    });
  });

  it('matches central differences for four same-shaped inputs and a scalar', async () => {
    await expectGradientsMatch({
      nodes: [node('Sum', ['a', 'b', 'c', 'd', 's'], ['y'])],
      params: { a: { dims: [2, 3] }, b: { dims: [2, 3] }, c: { dims: [2, 3] }, d: { dims: [2, 3] }, s: { dims: [] } },
      output: 'y',
    });
  });
});
