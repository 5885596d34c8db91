import { describe, it } from 'vitest';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './upsample.cases.js';

describe('Upsample rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
