import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/upsample.cases.js';

describe('Upsample emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });
});
