import { describe, it } from 'vitest';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './reduce-l2.cases.js';

describe('ReduceL2 rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
