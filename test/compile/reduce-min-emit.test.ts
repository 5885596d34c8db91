import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, tieCases } from '../grad/rules/reduce-min.cases.js';

describe('ReduceMin emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it.each(tieCases)('splits ties as the TypeScript rule does: $name', async ({ spec }) => {
    await expectEmitterMatches(spec);
  });
});
