import { describe, it } from 'vitest';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Concat emitter', () => {
  it('splits the gradient back along a negative axis', async () => {
    await expectEmitterMatches({
      nodes: [node('Concat', ['a', 'b', 'c'], ['y'], { axis: -2 })],
      params: { a: { dims: [2, 3, 4] }, b: { dims: [2, 1, 4] }, c: { dims: [2, 2, 4] } },
      output: 'y',
    });
  });

  it('handles axis 0, a repeated input and an input that needs no gradient', async () => {
    await expectEmitterMatches({
      nodes: [node('Concat', ['a', 'k', 'a', 'b'], ['y'], { axis: 0 })],
      params: { a: { dims: [2, 3] }, b: { dims: [1, 3] } },
      constants: [floatTensor('k', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])],
      output: 'y',
    });
  });

  it('reads the dims of an input computed in the graph (opset 11)', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Constant', [], ['k'], { value: floatTensor('kv', [2, 2, 1], [1, 2, 3, 4]) }),
        node('Concat', ['k', 'a'], ['y'], { axis: 2 }),
      ],
      params: { a: { dims: [2, 2, 3] } },
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('passes the gradient through a single input (opset 18)', async () => {
    await expectEmitterMatches({
      nodes: [node('Concat', ['a'], ['y'], { axis: 1 }), node('Concat', ['y', 'a'], ['z'], { axis: -1 })],
      params: { a: { dims: [2, 3] } },
      output: 'z',
      opsetVersion: 18,
    });
  });
});
