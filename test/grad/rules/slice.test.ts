import { describe, expect, it } from 'vitest';
import { sliceRanges } from '../../../src/grad/rules/slice.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './slice.cases.js';

describe('Slice rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('computes ONNX index ranges by hand', () => {
    // dim 7: start −1 → 6, end −1e12 → clamped to −1, step −2 → 6, 4, 2, 0
    expect(sliceRanges([7], [-1], [-1e12], undefined, [-2], 't')).toEqual({ start: [6], step: [-2], count: [4] });
    // dim 5: start 9 → clamped to 5, empty
    expect(sliceRanges([5, 3], [9], [10], [0], undefined, 't')).toEqual({ start: [5, 0], step: [1, 1], count: [0, 3] });
    // dim 5: start 9 with a negative step → clamped to 4; end −7 → −2 → clamped to −1
    expect(sliceRanges([5], [9], [-7], [-1], [-3], 't')).toEqual({ start: [4], step: [-3], count: [2] });
    expect(() => sliceRanges([5], [0], [1], [0], [0], 'node s')).toThrow(/node s: step 0/);
  });
});
