import { describe, expect, it } from 'vitest';
import { InputError, UnsupportedError } from '../../../src/errors.js';
import { GraphView } from '../../../src/graph/graph.js';
import { convTransposeGeometry } from '../../../src/grad/rules/conv-transpose.js';
import { graph, node, type AttrValue } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './conv-transpose.cases.js';

function viewOf(attrs: Record<string, AttrValue>) {
  const g = graph('g', [node('ConvTranspose', ['x', 'w'], ['y'], attrs, { name: 'up1' })], [], [], []);
  return new GraphView({ ...g, input: [{ name: 'x', metadata_props: [] }, { name: 'w', metadata_props: [] }] }).node(0);
}

describe('ConvTranspose rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});

describe('ConvTranspose geometry', () => {
  it('sizes the output and the adjoint Conv from pads and output_padding', () => {
    // full = 2·(3 − 1) + (3 − 1) + 1 + 1 = 8, minus pads 1 + 1
    const g = convTransposeGeometry(viewOf({ strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }), [2, 3, 3, 4], [3, 2, 3, 3]);
    expect(g.yDims).toEqual([2, 2, 6, 8]);
    expect(g.reachDims).toEqual([2, 2, 6, 8]);
    expect(g.attrs).toEqual({ strides: [2, 2], pads: [1, 1, 0, 0], dilations: [1, 1], group: 1 });
  });

  it('cuts δ to the reached positions when output_padding exceeds the end pad', () => {
    const g = convTransposeGeometry(viewOf({ strides: [2], output_padding: [1] }), [1, 2, 3], [2, 4, 3]);
    expect(g.yDims).toEqual([1, 4, 8]);
    expect(g.reachDims).toEqual([1, 4, 7]);
    expect(g.attrs.pads).toEqual([0, 0]);
  });

  it('splits SAME padding with the odd unit at the end for SAME_UPPER and at the beginning otherwise', () => {
    // full = 2·3 + 4 = 10, target 8: total 2 on H; W: 2·4 + 3 = 11, target 10: total 1
    const upper = convTransposeGeometry(viewOf({ strides: [2, 2], auto_pad: 'SAME_UPPER' }), [1, 2, 4, 5], [2, 3, 4, 3]);
    expect(upper.yDims).toEqual([1, 3, 8, 10]);
    expect(upper.attrs.pads.slice(0, 2)).toEqual([1, 0]);
    const lower = convTransposeGeometry(viewOf({ strides: [2, 2], auto_pad: 'SAME_LOWER' }), [1, 2, 4, 5], [2, 3, 4, 3]);
    expect(lower.attrs.pads.slice(0, 2)).toEqual([1, 1]);
    const shaped = convTransposeGeometry(viewOf({ strides: [2, 2], output_shape: [8, 10] }), [1, 2, 4, 5], [2, 3, 4, 3]);
    expect(shaped.attrs.pads.slice(0, 2)).toEqual([1, 1]);
  });

  it('rejects bad ranks, weights and groups naming the node', () => {
    expect(() => convTransposeGeometry(viewOf({}), [1, 1, 2, 2, 2, 2], [1, 1, 2, 2, 2, 2])).toThrow(UnsupportedError);
    expect(() => convTransposeGeometry(viewOf({}), [1, 3, 4, 4], [2, 1, 2, 2])).toThrow(/node 'up1' \(ConvTranspose\).*weight/);
    expect(() => convTransposeGeometry(viewOf({ group: 2 }), [1, 3, 4, 4], [3, 1, 2, 2])).toThrow(InputError);
    expect(() => convTransposeGeometry(viewOf({ kernel_shape: [3, 3] }), [1, 2, 4, 4], [2, 1, 2, 2])).toThrow(/kernel_shape/);
    expect(() => convTransposeGeometry(viewOf({ auto_pad: 'SAME' }), [1, 2, 4, 4], [2, 1, 2, 2])).toThrow(UnsupportedError);
  });
});
