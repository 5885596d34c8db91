import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { avgPoolSpec, cases } from '../grad/rules/average-pool.cases.js';

describe('AveragePool emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('upsamples windows that tile the input, with a remainder and in ceil mode', async () => {
    await expectEmitterMatches(avgPoolSpec([2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] }));
    await expectEmitterMatches(avgPoolSpec([2, 3, 7, 9], { kernel_shape: [2, 3], strides: [2, 3] }));
    await expectEmitterMatches(avgPoolSpec([2, 2, 7, 8], { kernel_shape: [3, 3], strides: [3, 3], ceil_mode: 1 }));
  });
});
