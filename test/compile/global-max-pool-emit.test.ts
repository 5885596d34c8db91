import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { Rng } from '../../src/train/rng.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** Distinct values 0.05 apart in random order (no ties). */
function distinct(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const v = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v.map((k) => (k - n / 2) * 0.05);
}

describe('GlobalMaxPool emitter', () => {
  for (const dims of [[2, 3, 5, 4], [3, 2, 7], [2, 2, 3, 2, 3]]) {
    it(`takes the maximum over every spatial axis of [${dims.join(',')}]`, async () => {
      const n = dims.reduce((a, b) => a * b, 1);
      await expectEmitterMatches({
        nodes: [node('GlobalMaxPool', ['x'], ['y'])],
        params: { x: { dims, data: distinct(n, 3) } },
        output: 'y',
      });
    });
  }

  it('gives a tie to the first maximum, as the TypeScript rule does', async () => {
    const data = Array.from({ length: 2 * 3 * 12 }, (_, i) => (i % 5 === 2 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches({
      nodes: [node('GlobalMaxPool', ['x'], ['y'])],
      params: { x: { dims: [2, 3, 3, 4], data } },
      output: 'y',
    });
  });
});
