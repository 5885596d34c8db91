import { describe, it } from 'vitest';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, maxPoolSpec } from '../grad/rules/max-pool.cases.js';

describe('MaxPool emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('masks windows that tile the input, with a remainder', async () => {
    await expectEmitterMatches(maxPoolSpec([2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] }));
    await expectEmitterMatches(maxPoolSpec([2, 2, 7, 8], { kernel_shape: [2, 3], strides: [2, 3] }));
  });

  it('gives a tie to the first maximum, as the TypeScript rule does', async () => {
    const tiled = Array.from({ length: 2 * 2 * 4 * 6 }, (_, i) => (i % 3 === 0 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], tiled));
    const overlap = Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], overlap));
  });

  it('gives a tie to the first maximum before opset 8 too (no Indices output)', async () => {
    const tiled = Array.from({ length: 2 * 2 * 4 * 6 }, (_, i) => (i % 3 === 0 ? 1 : (i % 7) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], tiled, 7));
    const overlap = Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], overlap, 7));
  });

  it('gives a tie to the first maximum in 3-D windows', async () => {
    const data = Array.from({ length: 2 * 2 * 4 * 4 * 4 }, (_, i) => (i % 5 === 1 ? 0.5 : (i % 3) * 0.01));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [2, 1, 2] }, ['y'], data));
    await expectEmitterMatches(maxPoolSpec([2, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, ['y'], data));
  });

  it('pools 1-D inputs without dilation or pads', async () => {
    await expectEmitterMatches(maxPoolSpec([3, 2, 13], { kernel_shape: [3], strides: [3] }));
  });
});
