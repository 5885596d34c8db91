import { describe, it } from 'vitest';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './unsqueeze.cases.js';

describe('Unsqueeze rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
