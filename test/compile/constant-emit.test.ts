import { describe, expect, it } from 'vitest';
import { constant } from '../../src/grad/rules/constant.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/constant.cases.js';

describe('Constant emitter', () => {
  it('emits nothing', () => {
    expect(constant.emit!(undefined as never)).toEqual([]);
  });

  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });
});
