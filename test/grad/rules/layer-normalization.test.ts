import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './layer-normalization.cases.js';
import { normSpec } from './normalization-spec.js';

describe('LayerNormalization rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses a gradient through the Mean output, naming the node', async () => {
    const spec = normSpec('LayerNormalization', { x: [2, 5], scale: [5], outputs: ['y', 'mean'], output: 'mean', opsetVersion: 17 });
    await expect(checkGradients(spec)).rejects.toThrow(UnsupportedError);
    await expect(checkGradients(spec)).rejects.toThrow(/'LayerNormalization_under_test'.*output 1/);
  });
});
