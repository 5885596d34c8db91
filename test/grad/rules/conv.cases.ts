import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

/**
 * Two fixed steps: a bias feeds every output position of its channel, so the
 * loss curves strongly along it while its gradient may be small, and a single
 * adaptive step can read that curvature as a kink and skip every bias.
 */
const STEPS = { eps: [2e-3, 2e-4] };

/** Conv of x [x] by w [w], with a bias [w[0]] unless `bias` is false; all trained. */
export function convSpec(x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true): GraphSpec {
  return {
    nodes: [node('Conv', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs)],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[0]!] } } : {}) },
    output: 'y',
  };
}

function conv(name: string, x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true): RuleCase {
  return { name, spec: convSpec(x, w, attrs, bias), opts: STEPS };
}

export const cases: RuleCase[] = [
  conv('plain conv on a non-square batch', [2, 3, 5, 7], [4, 3, 3, 2], {}),
  conv('stride 2 (output_padding on both axes)', [2, 2, 7, 6], [3, 2, 3, 3], { strides: [2, 2] }),
  conv('asymmetric pads [1,0,2,1] with mixed strides', [3, 2, 5, 6], [2, 2, 3, 2], { pads: [1, 0, 2, 1], strides: [1, 2] }),
  conv('dilation 2 with asymmetric pads', [2, 2, 7, 8], [3, 2, 2, 3], { dilations: [2, 2], pads: [1, 1, 0, 2] }),
  conv('group 2', [2, 4, 5, 6], [6, 2, 3, 3], { group: 2, pads: [1, 1, 1, 1] }),
  conv('depthwise (group = C)', [2, 3, 6, 5], [3, 1, 3, 3], { group: 3, strides: [2, 1] }),
  conv('depthwise with channel multiplier and no bias', [2, 2, 5, 5], [4, 1, 2, 2], { group: 2 }, false),
  conv('no bias', [2, 3, 6, 4], [2, 3, 2, 3], { pads: [0, 1, 1, 0] }, false),
  conv('auto_pad SAME_UPPER with stride 2 (odd total padding)', [2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_UPPER', strides: [2, 2] }),
  conv('auto_pad SAME_LOWER with stride 2 (odd total padding)', [2, 2, 7, 6], [3, 2, 4, 3], { auto_pad: 'SAME_LOWER', strides: [2, 2] }),
  conv('auto_pad SAME_UPPER with unit stride and an even kernel', [2, 2, 5, 6], [2, 2, 2, 2], { auto_pad: 'SAME_UPPER' }),
  conv('auto_pad VALID (no padding) with a row stride', [2, 2, 6, 7], [3, 2, 3, 2], { auto_pad: 'VALID', strides: [2, 1] }),
  conv('1-D conv with stride, pads and dilation', [2, 3, 11], [4, 3, 3], { strides: [2], pads: [2, 1], dilations: [2] }),
  conv('1-D conv with auto_pad SAME_LOWER and groups', [3, 4, 9], [2, 2, 4], { auto_pad: 'SAME_LOWER', group: 2 }),
  conv('explicit kernel_shape that matches the weight', [2, 2, 5, 6], [2, 2, 3, 2], { kernel_shape: [3, 2] }),
  conv('1-D conv, plain with kernel_shape', [2, 3, 8], [2, 3, 3], { kernel_shape: [3] }),
  conv('1-D depthwise with stride 3 and dropped positions', [2, 3, 11], [3, 1, 2], { group: 3, strides: [3], pads: [0, 1] }),
  conv('1-D auto_pad SAME_UPPER with stride 2', [2, 2, 9], [3, 2, 4], { auto_pad: 'SAME_UPPER', strides: [2] }),
  conv('1-D auto_pad VALID, no bias', [2, 2, 9], [3, 2, 3], { auto_pad: 'VALID', dilations: [3] }, false),
  conv('3-D conv, plain', [2, 2, 3, 4, 5], [3, 2, 2, 2, 3], {}),
  conv('3-D conv with strides, asymmetric pads and dilations', [1, 2, 5, 4, 6], [2, 2, 2, 3, 2], { strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 2], dilations: [2, 1, 2] }),
  conv('3-D conv, groups and auto_pad SAME_LOWER', [2, 4, 3, 5, 4], [4, 2, 2, 3, 2], { group: 2, auto_pad: 'SAME_LOWER', strides: [1, 2, 1] }),
  conv('3-D depthwise, no bias', [1, 3, 4, 4, 3], [3, 1, 2, 2, 2], { group: 3, strides: [2, 2, 1], pads: [0, 1, 0, 1, 0, 1] }, false),
  { name: '2-D conv at opset 9 (Slice in attribute form)', spec: { ...convSpec([2, 2, 7, 6], [2, 2, 2, 2], { strides: [3, 2], pads: [1, 0, 2, 1] }), opsetVersion: 9 }, opts: STEPS },
  { name: '2-D conv at opset 7', spec: { ...convSpec([2, 2, 6, 5], [3, 2, 3, 2], { strides: [2, 2], pads: [1, 0, 0, 1] }), opsetVersion: 7 }, opts: STEPS },
  { name: '3-D conv at opset 11', spec: { ...convSpec([1, 2, 4, 5, 5], [2, 2, 2, 2, 2], { strides: [2, 2, 3] }), opsetVersion: 11 }, opts: STEPS },
];
