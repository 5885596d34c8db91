import { describe, expect, it } from 'vitest';
import { concatAlong, splitAlong } from '../../../src/grad/rules/concat.js';
import { floatTensor, node } from '../../../src/onnx/builder.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Concat rule', () => {
  it('splits the gradient back along a negative axis', async () => {
    await expectGradientsMatch({
      nodes: [node('Concat', ['a', 'b', 'c'], ['y'], { axis: -2 })],
      params: { a: { dims: [2, 3, 4] }, b: { dims: [2, 1, 4] }, c: { dims: [2, 2, 4] } },
      output: 'y',
    }, { samples: 30 });
  });

  it('handles axis 0, a repeated input and an input that needs no gradient', async () => {
    await expectGradientsMatch({
      nodes: [node('Concat', ['a', 'k', 'a', 'b'], ['y'], { axis: 0 })],
      params: { a: { dims: [2, 3] }, b: { dims: [1, 3] } },
      constants: [floatTensor('k', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9])],
      output: 'y',
    }, { samples: 30 });
  });

  it('reads the dims of an input computed in the graph (opset 11)', async () => {
    await expectGradientsMatch({
      nodes: [
        node('Constant', [], ['k'], { value: floatTensor('kv', [2, 2, 1], [1, 2, 3, 4]) }),
        node('Concat', ['k', 'a'], ['y'], { axis: 2 }),
      ],
      params: { a: { dims: [2, 2, 3] } },
      output: 'y',
      opsetVersion: 11,
    }, { samples: 30 });
  });

  it('concatAlong and splitAlong match hand-built values', () => {
    const a = tensor([2, 1, 2], [1, 2, 3, 4]);
    const b = tensor([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
    const joined = concatAlong([a, b], 1);
    expect(joined.dims).toEqual([2, 3, 2]);
    expect(Array.from(joined.data)).toEqual([1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    const [p, q] = splitAlong(joined, 1, [1, 2]);
    expect(p).toEqual(a);
    expect(q).toEqual(b);
  });
});
