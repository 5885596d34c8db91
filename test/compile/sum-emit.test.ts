import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Sum emitter', () => {
  it('three inputs broadcast to one shape', async () => {
    await expectEmitterMatches({
      nodes: [node('Sum', ['a', 'b', 'c'], ['y'])],
      params: { a: { dims: [3, 1, 5] }, b: { dims: [4, 1] }, c: { dims: [5] } },
      output: 'y',
    });
  });

  it('a single input', async () => {
    await expectEmitterMatches({
      nodes: [node('Sum', ['a'], ['y'])],
      params: { a: { dims: [2, 3] } },
      output: 'y',
    });
  });

  it('four same-shaped inputs and a scalar', async () => {
    await expectEmitterMatches({
      nodes: [node('Sum', ['a', 'b', 'c', 'd', 's'], ['y'])],
      params: { a: { dims: [2, 3] }, b: { dims: [2, 3] }, c: { dims: [2, 3] }, d: { dims: [2, 3] }, s: { dims: [] } },
      output: 'y',
    });
  });
});
