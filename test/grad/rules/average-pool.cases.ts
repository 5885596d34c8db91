import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

/** Every coordinate of these small inputs is checked. */
const ALL = { samples: 400 };

/** AveragePool of a trained x [dims] at `opsetVersion`. */
export function avgPoolSpec(dims: number[], attrs: Record<string, AttrValue>, opsetVersion = 17): GraphSpec {
  return { nodes: [node('AveragePool', ['x'], ['y'], attrs)], params: { x: { dims } }, output: 'y', opsetVersion };
}

function avgPool(name: string, dims: number[], attrs: Record<string, AttrValue>, opsetVersion = 17): RuleCase {
  return { name, spec: avgPoolSpec(dims, attrs, opsetVersion), opts: ALL };
}

const ceil = { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 0, 1], ceil_mode: 1 };

export const cases: RuleCase[] = [
  avgPool('handles non-square kernels, strides and asymmetric pads without counting the pads', [2, 3, 7, 8], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1] }),
  avgPool('counts the pads with count_include_pad = 1', [2, 3, 7, 8], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 2, 1], count_include_pad: 1 }),
  avgPool('handles ceil_mode without count_include_pad', [2, 2, 7, 6], ceil),
  avgPool('handles ceil_mode with count_include_pad', [2, 2, 7, 6], { ...ceil, count_include_pad: 1 }),
  avgPool('handles ceil_mode with count_include_pad and no pads', [3, 1, 5, 5], { kernel_shape: [3, 3], strides: [3, 3], ceil_mode: 1, count_include_pad: 1 }),
  // H: ⌈(6 + 1 − 2)/2⌉ + 1 = 4 windows, but the 4th starts at row 6, in the padding.
  // ONNX shape inference still expects 4 rows, so ONNX Runtime logs a shape warning
  // on every run: few samples keep the log short.
  ...[0, 1].map((count_include_pad) => ({
    name: `drops a ceil_mode window that would start inside the end padding (count_include_pad = ${count_include_pad})`,
    spec: avgPoolSpec([2, 2, 6, 7], { kernel_shape: [2, 3], strides: [2, 2], pads: [0, 1, 1, 0], ceil_mode: 1, count_include_pad }),
    opts: { samples: 6 },
  })),
  ...['SAME_UPPER', 'SAME_LOWER', 'VALID'].flatMap((auto_pad) => [
    avgPool(`follows auto_pad ${auto_pad}`, [2, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 2], auto_pad }),
    avgPool(`follows auto_pad ${auto_pad} with count_include_pad`, [2, 2, 7, 6], { kernel_shape: [2, 3], strides: [1, 2], auto_pad, count_include_pad: 1 }),
  ]),
  avgPool('pools 1-D inputs with pads counted', [3, 2, 11], { kernel_shape: [3], strides: [2], pads: [1, 2], count_include_pad: 1 }),
  avgPool('pools 1-D inputs in ceil mode', [3, 2, 11], { kernel_shape: [4], strides: [3], ceil_mode: 1 }),
  avgPool('handles dilations (opset 19)', [2, 2, 8, 7], { kernel_shape: [2, 3], dilations: [2, 1], strides: [1, 2], pads: [1, 1, 1, 0] }, 19),
  avgPool('handles dilations in ceil mode with count_include_pad (opset 19)', [2, 2, 8, 7], { kernel_shape: [2, 2], dilations: [3, 2], strides: [2, 1], ceil_mode: 1, count_include_pad: 1 }, 19),
  avgPool('pools 1-D inputs with auto_pad SAME_UPPER', [2, 2, 10], { kernel_shape: [3], strides: [3], auto_pad: 'SAME_UPPER' }),
  avgPool('pools 1-D inputs with auto_pad SAME_LOWER and count_include_pad', [2, 2, 9], { kernel_shape: [4], strides: [2], auto_pad: 'SAME_LOWER', count_include_pad: 1 }),
  avgPool('pools 1-D inputs with dilations and pads (opset 19)', [2, 2, 11], { kernel_shape: [3], strides: [2], dilations: [2], pads: [2, 1] }, 19),
  avgPool('pools 1-D inputs in windows that tile the input', [2, 3, 10], { kernel_shape: [3], strides: [3] }),
  avgPool('pools 3-D inputs with strides and asymmetric pads', [2, 2, 5, 4, 6], { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1] }),
  avgPool('pools 3-D inputs with pads counted', [1, 2, 4, 5, 5], { kernel_shape: [3, 2, 3], strides: [1, 2, 2], pads: [1, 1, 0, 1, 0, 2], count_include_pad: 1 }),
  avgPool('pools 3-D inputs in ceil mode', [2, 1, 5, 6, 5], { kernel_shape: [2, 3, 2], strides: [2, 2, 2], ceil_mode: 1 }),
  avgPool('pools 3-D inputs with auto_pad SAME_UPPER', [1, 2, 5, 4, 5], { kernel_shape: [2, 2, 3], strides: [2, 1, 2], auto_pad: 'SAME_UPPER' }),
  avgPool('pools 3-D inputs with auto_pad SAME_LOWER and count_include_pad', [1, 2, 5, 4, 5], { kernel_shape: [2, 3, 2], strides: [2, 2, 1], auto_pad: 'SAME_LOWER', count_include_pad: 1 }),
  avgPool('pools 3-D inputs with auto_pad VALID', [2, 1, 5, 4, 5], { kernel_shape: [3, 2, 2], strides: [1, 2, 2], auto_pad: 'VALID' }),
  avgPool('pools 3-D inputs in windows that tile the input', [2, 2, 4, 5, 4], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }),
  avgPool('pools 3-D inputs with dilations in ceil mode (opset 19)', [1, 2, 6, 5, 5], { kernel_shape: [2, 2, 2], dilations: [2, 1, 2], strides: [2, 2, 1], ceil_mode: 1, count_include_pad: 1 }, 19),
  avgPool('pools 3-D inputs at opset 11', [1, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [1, 2, 1], pads: [0, 1, 1, 1, 0, 0] }, 11),
  avgPool('opset 7 (no Expand): windows that tile the input', [2, 2, 6, 7], { kernel_shape: [2, 2], strides: [2, 2] }, 7),
  avgPool('opset 7: overlapping windows with pads counted', [2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1], count_include_pad: 1 }, 7),
  avgPool('opset 7: 3-D windows that tile the input', [1, 2, 4, 4, 5], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }, 7),
];
