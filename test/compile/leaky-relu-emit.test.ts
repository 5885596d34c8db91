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

describe('LeakyRelu emitter', () => {
  const alphas: [string, Record<string, number>][] = [
    ['the default alpha 0.01', {}],
    ['alpha 0.3', { alpha: 0.3 }],
    ['a negative alpha', { alpha: -0.45 }],
  ];
  for (const [label, attrs] of alphas) {
    it(`gives the TypeScript rule's gradient with ${label}`, async () => {
      await expectEmitterMatches({
        nodes: [node('LeakyRelu', ['x'], ['y'], attrs)],
        params: { x: { dims: [3, 2, 5], data: awayFrom(30, -1, 1, [0]) } },
        output: 'y',
      });
    });
  }
});
