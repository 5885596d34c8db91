import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Identity rule', () => {
  it('passes the gradient through', async () => {
    await expectGradientsMatch({
      nodes: [node('Identity', ['x'], ['y'])],
      params: { x: { dims: [3, 2, 5] } },
      output: 'y',
    }, { samples: 30 });
  });

  it('passes it through chains and sums it over fan-out', async () => {
    await expectGradientsMatch({
      nodes: [node('Identity', ['x'], ['h']), node('Identity', ['h'], ['k']), node('Concat', ['h', 'k', 'x'], ['y'], { axis: 0 })],
      params: { x: { dims: [2, 3] } },
      output: 'y',
    }, { samples: 30 });
  });
});
