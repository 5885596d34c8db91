import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

const M = 3;
const K = 4;
const N = 5;

describe('Gemm emitter', () => {
  for (const transA of [0, 1]) {
    for (const transB of [0, 1]) {
      it(`gives the TypeScript rule's gradients with transA=${transA}, transB=${transB}, alpha and beta ≠ 1`, async () => {
        await expectEmitterMatches({
          nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transA, transB, alpha: 0.7, beta: -1.3 })],
          params: {
            a: { dims: transA ? [K, M] : [M, K] },
            b: { dims: transB ? [N, K] : [K, N] },
            c: { dims: [N] },
          },
          output: 'y',
        });
      });
    }
  }

  const cShapes: number[][] = [[N], [1, N], [M, 1], [M, N], []];
  for (const dims of cShapes) {
    it(`reduces the gradient of C with shape [${dims.join(',')}] to that shape`, async () => {
      await expectEmitterMatches({
        nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transB: 1, beta: 2.5 })],
        params: { a: { dims: [M, K] }, b: { dims: [N, K] }, c: { dims } },
        output: 'y',
      });
    });
  }

  it('works without C', async () => {
    await expectEmitterMatches({
      nodes: [node('Gemm', ['a', 'b'], ['y'], { transA: 1, alpha: 1.5 })],
      params: { a: { dims: [K, M] }, b: { dims: [K, N] } },
      output: 'y',
    });
  });

  it('an integral alpha (2) is still emitted as a float attribute', async () => {
    await expectEmitterMatches({
      nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, transB: 1, alpha: { float: 2 }, beta: { float: 3 } })],
      params: { a: { dims: [K, M] }, b: { dims: [N, K] }, c: { dims: [M, N] } },
      output: 'y',
    });
  });
});
