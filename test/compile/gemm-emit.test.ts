import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, K, M, N } from '../grad/rules/gemm.cases.js';

describe('Gemm emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('an integral alpha (2) is still emitted as a float attribute', async () => {
    await expectEmitterMatches({
      nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, transB: 1, alpha: { float: 2 }, beta: { float: 3 } })],
      params: { a: { dims: [K, M] }, b: { dims: [N, K] }, c: { dims: [M, N] } },
      output: 'y',
    });
  });
});
