import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

/**
 * Two fixed steps: a bias feeds every output position of its channel, so the
 * loss curves strongly along it while its gradient may be small, and a single
 * adaptive step can read that curvature as a kink and skip every bias.
 */
const STEPS = { eps: [2e-3, 2e-4] };

/**
 * ConvTranspose of x [x] by w [w] = [C, C_out/group, k…], with a bias
 * [C_out] unless `bias` is false; all trained.
 */
export function convTransposeSpec(x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true, opsetVersion = 17): GraphSpec {
  const group = typeof attrs.group === 'number' ? attrs.group : 1;
  return {
    nodes: [node('ConvTranspose', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs)],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[1]! * group] } } : {}) },
    output: 'y',
    opsetVersion,
  };
}

function ct(name: string, x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true, opsetVersion = 17): RuleCase {
  return { name, spec: convTransposeSpec(x, w, attrs, bias, opsetVersion), opts: STEPS };
}

export const cases: RuleCase[] = [
  ct('U-Net up-convolution: 2×2 kernel, stride 2', [2, 4, 3, 4], [4, 2, 2, 2], { strides: [2, 2] }),
  ct('stride 2, pads 1, output_padding 1 (doubles the size)', [2, 3, 3, 4], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
  ct('stride 2, output_padding 1 without pads (last row and column unreached)', [2, 2, 3, 3], [2, 3, 3, 3], { strides: [2, 2], output_padding: [1, 1] }),
  ct('asymmetric pads with mixed strides', [2, 3, 4, 3], [3, 2, 3, 2], { strides: [1, 2], pads: [1, 0, 2, 1] }),
  ct('dilation with pads and stride', [2, 2, 3, 4], [2, 3, 2, 3], { dilations: [2, 1], strides: [2, 1], pads: [1, 1, 0, 2] }),
  ct('dilation 2 with output_padding 1 at stride 2', [1, 2, 3, 3], [2, 2, 3, 2], { dilations: [2, 2], strides: [2, 2], output_padding: [1, 0] }),
  ct('group 2', [2, 4, 3, 3], [4, 3, 3, 2], { group: 2, strides: [2, 1], pads: [0, 1, 1, 0] }),
  ct('depthwise (group = C) with output_padding', [2, 3, 4, 3], [3, 1, 3, 3], { group: 3, strides: [2, 2], output_padding: [1, 0] }),
  ct('depthwise with a channel multiplier, no bias', [2, 2, 3, 4], [2, 2, 2, 2], { group: 2, strides: [1, 2] }, false),
  ct('output_shape smaller than the full size (odd total padding)', [2, 2, 4, 5], [2, 3, 3, 3], { strides: [2, 2], output_shape: [8, 10] }),
  ct('output_shape one past the full size (last position unreached)', [2, 2, 3, 4], [2, 2, 3, 3], { strides: [2, 2], output_shape: [8, 10] }),
  ct('output_shape overrides pads', [1, 2, 4, 3], [2, 2, 3, 3], { strides: [2, 2], output_shape: [8, 6], pads: [2, 2, 2, 2] }),
  ct('auto_pad SAME_UPPER with odd total padding', [2, 2, 4, 5], [2, 3, 4, 3], { strides: [2, 2], auto_pad: 'SAME_UPPER' }),
  ct('auto_pad SAME_LOWER with odd total padding', [2, 2, 4, 5], [2, 3, 4, 3], { strides: [2, 2], auto_pad: 'SAME_LOWER' }),
  ct('auto_pad SAME_UPPER with a dilated kernel', [1, 2, 4, 5], [2, 2, 2, 3], { strides: [1, 2], dilations: [2, 1], auto_pad: 'SAME_UPPER' }),
  ct('auto_pad VALID with output_padding', [2, 2, 3, 4], [2, 2, 3, 3], { strides: [2, 2], auto_pad: 'VALID', output_padding: [1, 0] }),
  ct('explicit kernel_shape', [2, 2, 3, 3], [2, 2, 3, 2], { kernel_shape: [3, 2], strides: [2, 2] }),
  ct('opset 11: stride 2 with output_padding and pads', [2, 3, 3, 4], [3, 2, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }, true, 11),
  ct('opset 11: output_shape and group 2', [2, 4, 3, 3], [4, 1, 3, 3], { group: 2, strides: [2, 2], output_shape: [6, 6] }, true, 11),
  ct('opset 9 (ConvTranspose-1): output_padding without pads', [2, 2, 3, 3], [2, 3, 3, 3], { strides: [2, 2], output_padding: [1, 1] }, true, 9),
  ct('opset 7: output_shape one past the full size, group 2', [2, 4, 3, 3], [4, 1, 3, 3], { group: 2, strides: [2, 2], output_shape: [8, 8] }, true, 7),
  ct('1-D with stride, pads and output_padding', [2, 3, 5], [3, 2, 3], { strides: [2], pads: [1, 0], output_padding: [1] }),
  ct('1-D with groups, dilation and auto_pad SAME_UPPER', [2, 4, 5], [4, 1, 3], { group: 2, dilations: [2], strides: [2], auto_pad: 'SAME_UPPER' }),
  ct('1-D with output_shape', [2, 2, 4], [2, 3, 4], { strides: [3], output_shape: [11] }),
  ct('3-D with strides, pads and output_padding', [1, 2, 3, 3, 2], [2, 2, 2, 3, 2], { strides: [2, 1, 2], pads: [1, 0, 0, 0, 1, 1], output_padding: [1, 0, 0] }),
  ct('3-D depthwise with output_shape', [1, 2, 2, 3, 3], [2, 1, 3, 2, 3], { group: 2, strides: [2, 2, 1], output_shape: [4, 6, 5] }),
  ct('3-D up-convolution, 2×2×2 kernel, stride 2', [2, 2, 2, 2, 3], [2, 3, 2, 2, 2], { strides: [2, 2, 2] }),
];
