import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { Rng } from '../../src/train/rng.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** Divisors in ±[0.5, 1.5), away from 0. */
function divisors(dims: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  const n = dims.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next()));
}

const cases: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 1, 5], [4, 1]],
  [[4, 1], [3, 1, 5]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], []],
  [[1, 3, 1], [2, 1, 4]],
];

describe('Div emitter', () => {
  for (const [aDims, bDims] of cases) {
    it(`gives the TypeScript rule's gradients with broadcasting [${aDims.join(',')}] vs [${bDims.join(',')}]`, async () => {
      await expectEmitterMatches({
        nodes: [node('Div', ['a', 'b'], ['y'])],
        params: { a: { dims: aDims }, b: { dims: bDims, data: divisors(bDims, 3) } },
        output: 'y',
      });
    });
  }

  it('gives only the divisor a gradient when the dividend is a graph input', async () => {
    await expectEmitterMatches({
      nodes: [node('Div', ['c', 'b'], ['y'])],
      params: { b: { dims: [2, 3], data: divisors([2, 3], 4) } },
      feeds: { c: { dims: [3], data: Float32Array.from([0.5, -1.25, 2]) } },
      output: 'y',
    });
  });
});
