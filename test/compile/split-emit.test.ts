import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Split emitter', () => {
  it('concatenates the gradients, zeros for an unused output (split input, opset 13+)', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Split', ['x', 'split'], ['p', 'q', 'r'], { axis: -1 }),
        node('Concat', ['r', 'p'], ['y'], { axis: -1 }),
      ],
      params: { x: { dims: [2, 3, 7] } },
      constants: [int64Tensor('split', [3], [2, 4, 1])],
      output: 'y',
    });
  });

  it('takes split as an attribute before opset 13', async () => {
    await expectEmitterMatches({
      nodes: [node('Split', ['x'], ['p', 'q'], { axis: 1, split: [1, 3] })],
      params: { x: { dims: [2, 4, 3] } },
      output: 'q',
      opsetVersion: 11,
    });
  });

  it('splits evenly by the number of outputs when split is absent', async () => {
    for (const opsetVersion of [11, 13]) {
      await expectEmitterMatches({
        nodes: [
          node('Split', ['x'], ['p', 'q', 'r']),
          node('Concat', ['q', 'r', 'q'], ['y'], { axis: 1 }),
        ],
        params: { x: { dims: [6, 2] } },
        output: 'y',
        opsetVersion,
      });
    }
  });

  it('handles num_outputs with a shorter last piece (opset 18)', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Split', ['x'], ['p', 'q', 'r'], { axis: 1, num_outputs: 3 }),
        node('Concat', ['r', 'p'], ['y'], { axis: 1 }),
      ],
      params: { x: { dims: [2, 8, 3] } },
      output: 'y',
      opsetVersion: 18,
    });
  });
});
