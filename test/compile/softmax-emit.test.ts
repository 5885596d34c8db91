import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/softmax.cases.js';
import { axisSpec } from '../grad/rules/softmax.cases.js';

describe('Softmax emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it("gives the TypeScript rule's gradient at opset 13 with axis 0", async () => {
    await expectEmitterMatches(axisSpec('Softmax', 13, 0));
  });

  it("gives the TypeScript rule's gradient at opset 11 with axis -2 (the last two axes)", async () => {
    await expectEmitterMatches(axisSpec('Softmax', 11, -2));
  });
});
