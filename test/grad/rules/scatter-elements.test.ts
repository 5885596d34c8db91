import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './scatter-elements.cases.js';
import { scatterSpec } from './indexing-spec.js';

describe('ScatterElements rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses reduction min, naming the node and the reduction', async () => {
    const spec = scatterSpec('ScatterElements', [3, 4], [1, 4], [0, 2, 1, 0], [1, 4], { reduction: 'min' }, 18);
    await expect(checkGradients(spec)).rejects.toThrow(UnsupportedError);
    await expect(checkGradients(spec)).rejects.toThrow(/'scatterelements_node'.*'min'/);
  });
});
