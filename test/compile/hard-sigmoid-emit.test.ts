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

describe('HardSigmoid emitter', () => {
  const cases: [string, Record<string, number>, number[]][] = [
    ['the defaults alpha 0.2, beta 0.5', {}, [-2.5, 2.5]],
    ['alpha 0.5, beta 0.3', { alpha: 0.5, beta: 0.3 }, [-0.6, 1.4]],
    ['a negative alpha', { alpha: -0.4, beta: 0.6 }, [-1, 1.5]],
  ];
  for (const [label, attrs, kinks] of cases) {
    it(`gives the TypeScript rule's gradient on all three segments with ${label}`, async () => {
      await expectEmitterMatches({
        nodes: [node('HardSigmoid', ['x'], ['y'], attrs)],
        params: { x: { dims: [4, 2, 5], data: awayFrom(40, -4, 4, kinks) } },
        output: 'y',
      });
    });
  }
});
