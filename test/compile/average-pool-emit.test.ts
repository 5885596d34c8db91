import { describe, it } from 'vitest';
import { node, type AttrValue } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

function avgPool(dims: number[], attrs: Record<string, AttrValue>, opsetVersion = 17) {
  return expectEmitterMatches({
    nodes: [node('AveragePool', ['x'], ['y'], attrs)],
    params: { x: { dims } },
    output: 'y',
    opsetVersion,
  });
}

describe('AveragePool emitter', () => {
  it('handles non-square kernels, strides and asymmetric pads without counting the pads', async () => {
    await avgPool([2, 3, 7, 8], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1] });
  });

  it('counts the pads with count_include_pad = 1', async () => {
    await avgPool([2, 3, 7, 8], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1], count_include_pad: 1 });
  });

  it('handles ceil_mode with and without count_include_pad', async () => {
    const base = { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 0, 1], ceil_mode: 1 };
    await avgPool([2, 2, 7, 6], base);
    await avgPool([2, 2, 7, 6], { ...base, count_include_pad: 1 });
    await avgPool([3, 1, 5, 5], { kernel_shape: [3, 3], strides: [3, 3], ceil_mode: 1, count_include_pad: 1 });
  });

  it('upsamples windows that tile the input, with a remainder and in ceil mode', async () => {
    await avgPool([2, 3, 6, 8], { kernel_shape: [2, 2], strides: [2, 2] });
    await avgPool([2, 3, 7, 9], { kernel_shape: [2, 3], strides: [2, 3] });
    await avgPool([2, 2, 7, 8], { kernel_shape: [3, 3], strides: [3, 3], ceil_mode: 1 });
  });

  it('drops a ceil_mode window that would start inside the end padding', async () => {
    for (const count_include_pad of [0, 1]) {
      await avgPool([2, 2, 6, 7], { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1, count_include_pad });
    }
  });

  it('follows auto_pad SAME_UPPER, SAME_LOWER and VALID', async () => {
    for (const auto_pad of ['SAME_UPPER', 'SAME_LOWER', 'VALID']) {
      await avgPool([2, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 2], auto_pad });
      await avgPool([2, 2, 7, 6], { kernel_shape: [2, 3], strides: [1, 2], auto_pad, count_include_pad: 1 });
    }
  });

  it('pools 1-D inputs', async () => {
    await avgPool([3, 2, 11], { kernel_shape: [3], strides: [2], pads: [1, 2], count_include_pad: 1 });
    await avgPool([3, 2, 11], { kernel_shape: [4], strides: [3], ceil_mode: 1 });
  });

  it('handles dilations (opset 19)', async () => {
    await avgPool([2, 2, 8, 7], { kernel_shape: [2, 3], dilations: [2, 1], strides: [1, 2], pads: [1, 1, 1, 0] }, 19);
    await avgPool([2, 2, 8, 7], { kernel_shape: [2, 2], dilations: [3, 2], strides: [2, 1], ceil_mode: 1, count_include_pad: 1 }, 19);
  });
});
