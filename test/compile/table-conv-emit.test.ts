import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, randomTable, tableConvSpec } from '../grad/rules/table-conv.cases.js';

describe('edgetune.TableConv emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('random table without bias', async () => {
    await expectEmitterMatches(tableConvSpec([2, 3, 6, 5], [4, 3, 2, 2], { table: randomTable, pads: [0, 1, 1, 0] }, false));
  });
});
