import { describe, it, expect } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GraphView } from '../../../src/graph/graph.js';
import { autoPads, conv, convGeometry } from '../../../src/grad/rules/conv.js';
import { graph, node } from '../../../src/onnx/builder.js';
import type { AttrValue } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

type Dims = number[];

async function check(x: Dims, w: Dims, attrs: Record<string, AttrValue>, bias = true): Promise<void> {
  await expectGradientsMatch({
    nodes: [node('Conv', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs)],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[0]!] } } : {}) },
    output: 'y',
  });
}

function viewOf(attrs: Record<string, AttrValue>) {
  const g = graph('g', [node('Conv', ['x', 'w'], ['y'], attrs, { name: 'c1' })], [], [], []);
  return new GraphView({ ...g, input: [{ name: 'x', metadata_props: [] }, { name: 'w', metadata_props: [] }] }).node(0);
}

describe('Conv rule', () => {
  it('plain conv on a non-square batch', async () => {
    await check([2, 3, 5, 7], [4, 3, 3, 2], {});
  });

  it('stride 2', async () => {
    await check([2, 2, 7, 6], [3, 2, 3, 3], { strides: [2, 2] });
  });

  it('asymmetric pads [1,0,2,1] with mixed strides', async () => {
    await check([3, 2, 5, 6], [2, 2, 3, 2], { pads: [1, 0, 2, 1], strides: [1, 2] });
  });

  it('dilation 2', async () => {
    await check([2, 2, 7, 8], [3, 2, 2, 3], { dilations: [2, 2], pads: [1, 1, 0, 2] });
  });

  it('group 2', async () => {
    await check([2, 4, 5, 6], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] });
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
});

describe('Conv geometry', () => {
  it('computes auto_pad splits as ONNX defines them', () => {
    // in 7, stride 2 → out 4; total = 3·2 + 4 − 7 = 3
    expect(autoPads('SAME_UPPER', 7, 4, 2, 1)).toEqual([1, 2]);
    expect(autoPads('SAME_LOWER', 7, 4, 2, 1)).toEqual([2, 1]);
    // dilated kernel 3 with d=2 spans 5: total = 4 (ONNX Runtime's CPU Conv rejects SAME with dilation, so no graph test)
    expect(autoPads('SAME_UPPER', 6, 3, 1, 2)).toEqual([2, 2]);
    // a stride wider than the kernel needs no padding
    expect(autoPads('SAME_UPPER', 5, 1, 3, 1)).toEqual([0, 0]);
    expect(autoPads('VALID', 9, 3, 2, 1)).toEqual([0, 0]);
  });

  it('views 1-D attributes as a single row', () => {
    const n = viewOf({ strides: [3], pads: [1, 2], dilations: [2], group: 1 });
    expect(convGeometry(n, [1, 2, 10], [4, 2, 3]).attrs).toEqual({
      strides: [1, 3], pads: [0, 1, 0, 2], dilations: [1, 2], group: 1,
    });
  });

  it('rejects 3-D convolution with UnsupportedError naming the node', () => {
    const n = viewOf({});
    expect(() => convGeometry(n, [1, 1, 4, 4, 4], [1, 1, 2, 2, 2])).toThrow(UnsupportedError);
    expect(() => convGeometry(n, [1, 1, 4, 4, 4], [1, 1, 2, 2, 2])).toThrow(/node 'c1' \(Conv\): 3-D convolution is not supported/);
    const ctx = {
      node: n, needs: [true, true, false], opset: 17, outputs: [],
      inputs: [{ dims: [1, 1, 4, 4, 4], data: new Float32Array(64) }, { dims: [1, 1, 2, 2, 2], data: new Float32Array(8) }],
      gradOutputs: [{ dims: [1, 1, 3, 3, 3], data: new Float32Array(27) }],
    };
    expect(() => conv.vjp(ctx)).toThrow(UnsupportedError);
  });

  it('rejects a kernel_shape that disagrees with the weight', () => {
    expect(() => convGeometry(viewOf({ kernel_shape: [3, 3] }), [1, 1, 5, 5], [1, 1, 2, 2])).toThrow(/kernel_shape/);
  });
});
