import { describe, expect, it } from 'vitest';
import { concatAlong, splitAlong } from '../../../src/grad/rules/concat.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './concat.cases.js';

describe('Concat rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('concatAlong and splitAlong match hand-built values', () => {
    const a = tensor([2, 1, 2], [1, 2, 3, 4]);
    const b = tensor([2, 2, 2], [5, 6, 7, 8, 9, 10, 11, 12]);
    const joined = concatAlong([a, b], 1);
    expect(joined.dims).toEqual([2, 3, 2]);
    expect(Array.from(joined.data)).toEqual([1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12]);
    const [p, q] = splitAlong(joined, 1, [1, 2]);
    expect(p).toEqual(a);
    expect(q).toEqual(b);
  });
});
