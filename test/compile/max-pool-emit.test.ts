import { describe, it } from 'vitest';
import { node, type AttrValue } from '../../src/onnx/builder.js';
import { Rng } from '../../src/train/rng.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** n distinct values 0.05 apart in random order: no ties within a window. */
function distinct(n: number, seed: number): number[] {
  const rng = new Rng(seed);
  const v = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [v[i], v[j]] = [v[j]!, v[i]!];
  }
  return v.map((k) => (k - n / 2) * 0.05);
}

function maxPool(dims: number[], attrs: Record<string, AttrValue>, outputs = ['y'], data?: number[]) {
  const n = dims.reduce((a, b) => a * b, 1);
  return expectEmitterMatches({
    nodes: [node('MaxPool', ['x'], outputs, attrs)],
    params: { x: { dims, data: data ?? distinct(n, n) } },
    output: 'y',
  });
}

describe('MaxPool emitter', () => {
  it('handles overlapping non-square windows, strides and asymmetric pads', async () => {
    await maxPool([2, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1] });
  });

  it('handles dilations', async () => {
    await maxPool([2, 2, 8, 7], { kernel_shape: [2, 3], dilations: [2, 3], strides: [1, 1], pads: [1, 1, 0, 2] });
    await maxPool([1, 3, 8, 7], { kernel_shape: [3, 2], dilations: [2, 2], strides: [2, 1], ceil_mode: 1 });
  });

  it('handles ceil_mode', async () => {
    await maxPool([2, 3, 5, 6], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
    await maxPool([2, 2, 5, 7], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 0, 0], ceil_mode: 1 });
  });

  it('masks windows that tile the input, with a remainder', async () => {
    await maxPool([2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] });
    await maxPool([2, 2, 7, 8], { kernel_shape: [2, 3], strides: [2, 3] });
  });

  it('gives a tie to the first maximum, as the TypeScript rule does', async () => {
    const tiled = Array.from({ length: 2 * 2 * 4 * 6 }, (_, i) => (i % 3 === 0 ? 1 : (i % 7) * 0.01));
    await maxPool([2, 2, 4, 6], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], tiled);
    const overlap = Array.from({ length: 2 * 2 * 5 * 6 }, (_, i) => (i % 4 === 1 ? 0.5 : (i % 5) * 0.01));
    await maxPool([2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], overlap);
  });

  it('drops a ceil_mode window that would start inside the end padding', async () => {
    await maxPool([2, 3, 5, 6], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 0, 1], ceil_mode: 1 });
  });

  it('follows auto_pad SAME_UPPER, SAME_LOWER and VALID', async () => {
    for (const auto_pad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
      await maxPool([2, 2, 6, 7], { kernel_shape: [3, 2], strides: [2, 2], auto_pad });
    }
    await maxPool([1, 2, 9, 8], { kernel_shape: [3, 2], strides: [2, 1], dilations: [2, 3], auto_pad: 'SAME_LOWER' });
  });

  it('ignores the Indices output and storage_order', async () => {
    await maxPool([2, 2, 5, 7], { kernel_shape: [2, 2], strides: [1, 2], storage_order: 1 }, ['y', 'indices']);
  });

  it('pools 1-D inputs', async () => {
    await maxPool([3, 2, 13], { kernel_shape: [3], strides: [2], pads: [1, 1], dilations: [2] });
    await maxPool([3, 2, 13], { kernel_shape: [3], strides: [3] });
  });
});
