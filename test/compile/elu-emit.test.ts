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

describe('Elu emitter', () => {
  const alphas: [string, Record<string, number | { float: number }>][] = [
    ['the default alpha 1', {}],
    ['alpha 0.4', { alpha: 0.4 }],
    ['alpha 2', { alpha: { float: 2 } }],
    ['a negative alpha', { alpha: -0.7 }],
  ];
  for (const [label, attrs] of alphas) {
    it(`gives the TypeScript rule's gradient with ${label}`, async () => {
      await expectEmitterMatches({
        nodes: [node('Elu', ['x'], ['y'], attrs)],
        params: { x: { dims: [2, 5, 3], data: awayFrom(30, -2, 1.5, [0]) } },
        output: 'y',
      });
    });
  }
});
