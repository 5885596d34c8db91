import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { node, type AttrValue } from '../../../src/onnx/builder.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';

/** Every coordinate of these small inputs is checked. */
const ALL = { samples: 400 };

function avgPool(dims: number[], attrs: Record<string, AttrValue>, opsetVersion = 17) {
  return expectGradientsMatch({
    nodes: [node('AveragePool', ['x'], ['y'], attrs)],
    params: { x: { dims } },
    output: 'y',
    opsetVersion,
  }, ALL);
}

describe('AveragePool rule', () => {
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

  it('drops a ceil_mode window that would start inside the end padding', async () => {
    // H: ⌈(6 + 1 − 2)/2⌉ + 1 = 4 windows, but the 4th starts at row 6, in the padding.
    // ONNX shape inference still expects 4 rows, so ONNX Runtime logs a shape warning
    // on every run: few samples keep the log short.
    for (const count_include_pad of [0, 1]) {
      await expectGradientsMatch({
        nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1, count_include_pad })],
        params: { x: { dims: [2, 2, 6, 7] } },
        output: 'y',
      }, { samples: 6 });
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

  it('refuses 3-D pooling', async () => {
    await expect(checkGradients({
      nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2, 2] }, { name: 'pool3d' })],
      params: { x: { dims: [1, 2, 3, 3, 3] } },
      output: 'y',
    })).rejects.toThrow(/pool3d.*3-D pooling/);
    await expect(checkGradients({
      nodes: [node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2, 2] })],
      params: { x: { dims: [1, 2, 3, 3, 3] } },
      output: 'y',
    })).rejects.toBeInstanceOf(UnsupportedError);
  });
});
