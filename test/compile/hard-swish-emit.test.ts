import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { Rng } from '../../src/train/rng.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** Values uniform in [lo, hi) that stay at least `gap` from every kink. */
function awayFrom(n: number, lo: number, hi: number, kinks: number[], gap = 0.15, seed = 5): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; ) {
    const v = lo + (hi - lo) * rng.next();
    if (kinks.every((k) => Math.abs(v - k) >= gap)) out[i++] = v;
  }
  return out;
}

describe('HardSwish emitter', () => {
  it('gives the TypeScript rule\'s gradient on all three segments', async () => {
    await expectEmitterMatches({
      nodes: [node('HardSwish', ['x'], ['y'])],
      params: { x: { dims: [3, 4, 3], data: awayFrom(36, -5, 5, [-3, 3], 0.2) } },
      output: 'y',
    });
  });

  it('takes the rule\'s one-sided slopes at exactly −3 and 3', async () => {
    await expectEmitterMatches({
      nodes: [node('HardSwish', ['x'], ['y'])],
      params: { x: { dims: [2, 3], data: [-3, 3, -1, 0.5, 4, -4] } },
      output: 'y',
    });
  });
});
