import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/global-max-pool.cases.js';

describe('GlobalMaxPool emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('gives a tie to the first maximum, as the TypeScript rule does', async () => {
    const data = Array.from({ length: 2 * 3 * 12 }, (_, i) => (i % 5 === 2 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches({
      nodes: [node('GlobalMaxPool', ['x'], ['y'])],
      params: { x: { dims: [2, 3, 3, 4], data } },
      output: 'y',
    });
  });
});
