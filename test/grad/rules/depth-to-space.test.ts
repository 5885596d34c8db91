import { describe, it } from 'vitest';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './depth-to-space.cases.js';

describe('DepthToSpace rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
