import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './scatter-nd.cases.js';
import { scatterSpec } from './indexing-spec.js';

describe('ScatterND rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses reduction max, naming the node and the reduction', async () => {
    const spec = scatterSpec('ScatterND', [5, 3], [2, 1], [1, 3], [2, 3], { reduction: 'max' }, 18);
    await expect(checkGradients(spec)).rejects.toThrow(UnsupportedError);
    await expect(checkGradients(spec)).rejects.toThrow(/'scatternd_node'.*'max'/);
  });
});
