import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { Rng } from '../../../src/train/rng.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

/** Divisors in ±[0.5, 1.5): far enough from 0 for central differences to stay accurate. */
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

describe('Div rule', () => {
  for (const [aDims, bDims] of cases) {
    it(`matches central differences with broadcasting [${aDims.join(',')}] vs [${bDims.join(',')}]`, async () => {
      await expectGradientsMatch({
        nodes: [node('Div', ['a', 'b'], ['y'])],
        params: { a: { dims: aDims }, b: { dims: bDims, data: divisors(bDims, 3) } },
        output: 'y',
      });
    });
  }
});
