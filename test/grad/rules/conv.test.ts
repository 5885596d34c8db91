import { describe, it, expect } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GraphView } from '../../../src/graph/graph.js';
import { autoPads, conv, convGeometry } from '../../../src/grad/rules/conv.js';
import { graph, node } from '../../../src/onnx/builder.js';
import type { AttrValue } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './conv.cases.js';

function viewOf(attrs: Record<string, AttrValue>) {
  const g = graph('g', [node('Conv', ['x', 'w'], ['y'], attrs, { name: 'c1' })], [], [], []);
  return new GraphView({ ...g, input: [{ name: 'x', metadata_props: [] }, { name: 'w', metadata_props: [] }] }).node(0);
}

describe('Conv rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
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

  it('keeps 1-D and 3-D attributes in their own rank', () => {
    const n = viewOf({ strides: [3], pads: [1, 2], dilations: [2], group: 1 });
    expect(convGeometry(n, [1, 2, 10], [4, 2, 3]).attrs).toEqual({ strides: [3], pads: [1, 2], dilations: [2], group: 1 });
    const m = viewOf({ strides: [1, 2, 3], auto_pad: 'SAME_UPPER' });
    expect(convGeometry(m, [1, 2, 4, 5, 7], [2, 2, 2, 3, 3])).toEqual({
      attrs: { strides: [1, 2, 3], pads: [0, 1, 1, 1, 1, 1], dilations: [1, 1, 1], group: 1 }, spatial: 3,
    });
  });

  it('rejects 4-D convolution with UnsupportedError naming the node', () => {
    const n = viewOf({});
    const x = [1, 1, 3, 3, 3, 3];
    const w = [1, 1, 2, 2, 2, 2];
    expect(() => convGeometry(n, x, w)).toThrow(UnsupportedError);
    expect(() => convGeometry(n, x, w)).toThrow(/node 'c1' \(Conv\): input X has rank 6/);
    const ctx = {
      node: n, needs: [true, true, false], opset: 17, outputs: [],
      inputs: [{ dims: x, data: new Float32Array(81) }, { dims: w, data: new Float32Array(16) }],
      gradOutputs: [{ dims: [1, 1, 2, 2, 2, 2], data: new Float32Array(16) }],
    };
    expect(() => conv.vjp(ctx)).toThrow(UnsupportedError);
  });

  it('rejects a kernel_shape that disagrees with the weight', () => {
    expect(() => convGeometry(viewOf({ kernel_shape: [3, 3] }), [1, 1, 5, 5], [1, 1, 2, 2])).toThrow(/kernel_shape/);
  });
});
