import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases, einsumSpec } from './einsum.cases.js';

describe('Einsum rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it.each([['ii->i', [[3, 3]]], ['bii,bj->bj', [[2, 3, 3], [2, 4]]]] as [string, number[][]][])(
    "refuses the diagonal form '%s', naming the node and the equation", async (equation, dims) => {
      await expect(checkGradients(einsumSpec(equation, dims))).rejects.toThrow(UnsupportedError);
      await expect(checkGradients(einsumSpec(equation, dims))).rejects.toThrow(new RegExp(`'einsum_node'.*'${equation}'`));
    },
  );
});
