import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { Rng } from '../../../src/train/rng.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

/** Distinct values 0.05 apart in random order (no ties, gaps wider than the probe). */
function distinct(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const v = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v.map((k) => (k - n / 2) * 0.05);
}

describe('GlobalMaxPool rule', () => {
  for (const dims of [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]]) {
    it(`takes the maximum over every spatial axis of [${dims.join(',')}]`, async () => {
      const n = dims.reduce((a, b) => a * b, 1);
      await expectGradientsMatch({
        nodes: [node('GlobalMaxPool', ['x'], ['y'])],
        params: { x: { dims, data: distinct(n, 3) } },
        output: 'y',
      }, { samples: 200 });
    });
  }
});
