import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

const cases: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 1, 5], [4, 1]],
  [[4, 1], [3, 1, 5]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], []],
  [[1, 3, 1], [2, 1, 4]],
];

describe('Sub emitter', () => {
  for (const [aDims, bDims] of cases) {
    it(`gives the TypeScript rule's gradients with broadcasting [${aDims.join(',')}] vs [${bDims.join(',')}]`, async () => {
      await expectEmitterMatches({
        nodes: [node('Sub', ['a', 'b'], ['y'])],
        params: { a: { dims: aDims }, b: { dims: bDims } },
        output: 'y',
      });
    });
  }

  it('gives only the trained operand a gradient when the other is a graph input', async () => {
    await expectEmitterMatches({
      nodes: [node('Sub', ['c', 'b'], ['y'])],
      params: { b: { dims: [2, 3] } },
      feeds: { c: { dims: [3], data: Float32Array.from([0.5, -1.25, 2]) } },
      output: 'y',
    });
  });
});
