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

describe('Relu emitter', () => {
  it('gives the TypeScript rule\'s gradient on both sides of 0', async () => {
    await expectEmitterMatches({
      nodes: [node('Relu', ['x'], ['y'])],
      params: { x: { dims: [2, 3, 5], data: awayFrom(30, -1, 1, [0]) } },
      output: 'y',
    });
  });

  it('gives 0 exactly at 0, as the rule\'s subgradient', async () => {
    await expectEmitterMatches({
      nodes: [node('Relu', ['x'], ['y'])],
      params: { x: { dims: [2, 3], data: [0, 0.5, -0.5, 0, 1, -1] } },
      output: 'y',
    });
  });
});
