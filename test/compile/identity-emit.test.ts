import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Identity emitter', () => {
  it('passes the gradient through', async () => {
    await expectEmitterMatches({
      nodes: [node('Identity', ['x'], ['y'])],
      params: { x: { dims: [3, 2, 5] } },
      output: 'y',
    });
  });

  it('passes it through chains and sums it over fan-out', async () => {
    await expectEmitterMatches({
      nodes: [node('Identity', ['x'], ['h']), node('Identity', ['h'], ['k']), node('Concat', ['h', 'k', 'x'], ['y'], { axis: 0 })],
      params: { x: { dims: [2, 3] } },
      output: 'y',
    });
  });
});
