/**
 * MaxPool's scattered backward at the opsets where ScatterElements cannot
 * add (11 to 15: one scatter per class of windows that never overlap) and
 * where it can (16 on), against the TypeScript rule: overlapping windows
 * whose winners repeat (ties), pads, dilations, ceil mode, 1-D and 3-D.
 */
import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { maxPoolSpec } from '../grad/rules/max-pool.cases.js';

const repeated = (n: number) => Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));

describe.each([11, 13, 15, 16, 18])('MaxPool backward as a scatter at opset %i', (v) => {
  it('3×3 windows, stride 2, pads 1 (ResNet): a position winning several windows gets their sum', async () => {
    await expectEmitterMatches(maxPoolSpec([2, 3, 9, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, ['y'], repeated(2 * 3 * 72), v));
  });

  it('stride 1, uneven pads, ceil mode, dilation', async () => {
    await expectEmitterMatches(maxPoolSpec([2, 2, 7, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1], ceil_mode: 1 }, ['y'], repeated(2 * 2 * 42), v));
    await expectEmitterMatches(maxPoolSpec([1, 2, 8, 8], { kernel_shape: [2, 2], strides: [1, 1], dilations: [2, 2] }, ['y'], repeated(128), v));
  });

  it('windows that tile the input, 1-D and 3-D windows', async () => {
    await expectEmitterMatches(maxPoolSpec([2, 2, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], repeated(192), v));
    await expectEmitterMatches(maxPoolSpec([2, 2, 11], { kernel_shape: [3], strides: [2], pads: [1, 1] }, ['y'], repeated(44), v));
    await expectEmitterMatches(maxPoolSpec([1, 2, 4, 5, 4], { kernel_shape: [2, 3, 2], strides: [1, 2, 2], pads: [0, 1, 0, 1, 0, 1] }, ['y'], repeated(160), v));
  });
});
