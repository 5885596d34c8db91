import { describe, it } from 'vitest';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './reduce-min.cases.js';

describe('ReduceMin rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
