import { describe, it } from 'vitest';
import { node, type AttrValue } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

type Dims = number[];

async function check(x: Dims, w: Dims, attrs: Record<string, AttrValue>, bias = true): Promise<void> {
  await expectEmitterMatches({
    nodes: [node('Conv', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs)],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[0]!] } } : {}) },
    output: 'y',
  });
}

describe('Conv emitter', () => {
  it('plain conv on a non-square batch', async () => {
    await check([2, 3, 5, 7], [4, 3, 3, 2], {});
  });

  it('stride 2 (output_padding on both axes)', async () => {
    await check([2, 2, 7, 6], [3, 2, 3, 3], { strides: [2, 2] });
  });

  it('asymmetric pads [1,0,2,1] with mixed strides', async () => {
    await check([3, 2, 5, 6], [2, 2, 3, 2], { pads: [1, 0, 2, 1], strides: [1, 2] });
  });

  it('dilation 2 with asymmetric pads', async () => {
    await check([2, 2, 7, 8], [3, 2, 2, 3], { dilations: [2, 2], pads: [1, 1, 0, 2] });
  });

  it('strides, dilations and pads together (weight-gradient slice)', async () => {
    await check([2, 3, 9, 8], [2, 3, 2, 3], { strides: [3, 2], dilations: [2, 1], pads: [2, 0, 1, 2] });
  });

  it('group 2', async () => {
    await check([2, 4, 5, 6], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] });
  });

  it('group 2 with strides and dilations', async () => {
    await check([3, 4, 8, 7], [4, 2, 2, 2], { group: 2, strides: [2, 3], dilations: [2, 1], pads: [0, 1, 1, 0] });
  });

  it('depthwise (group = C)', async () => {
    await check([2, 3, 6, 5], [3, 1, 3, 3], { group: 3, strides: [2, 1] });
  });

  it('depthwise with channel multiplier and no bias', async () => {
    await check([2, 2, 5, 5], [4, 1, 2, 2], { group: 2 }, false);
  });

  it('no bias', async () => {
    await check([2, 3, 6, 4], [2, 3, 2, 3], { pads: [0, 1, 1, 0] }, false);
  });

  it('auto_pad SAME_UPPER with stride 2 (odd total padding)', async () => {
    await check([2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
  });

  it('auto_pad SAME_LOWER with stride 2 (odd total padding)', async () => {
    await check([2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
  });

  it('auto_pad SAME_UPPER with unit stride and an even kernel', async () => {
    await check([2, 2, 5, 6], [2, 2, 2, 2], { auto_pad: 'SAME_UPPER' });
  });

  it('auto_pad VALID (no padding) with a row stride', async () => {
    await check([2, 2, 6, 7], [3, 2, 3, 2], { auto_pad: 'VALID', strides: [2, 1] });
  });

  it('1-D conv with stride, pads and dilation', async () => {
    await check([2, 3, 11], [4, 3, 3], { strides: [2], pads: [2, 1], dilations: [2] });
  });

  it('1-D conv with auto_pad SAME_LOWER and groups', async () => {
    await check([3, 4, 9], [2, 2, 4], { auto_pad: 'SAME_LOWER', group: 2 });
  });

  it('explicit kernel_shape that matches the weight', async () => {
    await check([2, 2, 5, 6], [2, 2, 3, 2], { kernel_shape: [3, 2] });
  });

  it('two stacked convs: ∂X of the second feeds the first', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['h'], { strides: [2, 2], pads: [1, 0, 0, 1] }),
        node('Conv', ['h', 'w2'], ['y'], { group: 2, dilations: [1, 2], pads: [0, 2, 1, 1] }),
      ],
      params: { x: { dims: [2, 3, 9, 8] }, w1: { dims: [4, 3, 3, 2] }, b1: { dims: [4] }, w2: { dims: [2, 2, 2, 2] } },
      output: 'y',
    });
  });

  it('an input fed at run time gets no gradient; W and B still do (1-D)', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 10 }, (_, i) => Math.sin(0.7 * i));
    await expectEmitterMatches({
      nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { strides: [3], pads: [1, 2] })],
      params: { w: { dims: [2, 3, 3] }, b: { dims: [2] } },
      feeds: { x: { dims: [2, 3, 10], data } },
      output: 'y',
    });
  });
});
