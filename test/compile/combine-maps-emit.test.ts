import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { randomFloats, seeded } from '../helpers/random.js';
import { cases, combine } from '../grad/rules/combine-maps.cases.js';

describe('edgetune.CombineMaps emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('maps fed at run time: only c and bias are trained', async () => {
    await expectEmitterMatches({
      nodes: [combine],
      params: { c: { dims: [2, 3] }, bias: { dims: [3] } },
      feeds: { z: { dims: [2, 2, 3, 2], data: randomFloats(seeded(8), 24) } },
      output: 'y',
    });
  });
});
