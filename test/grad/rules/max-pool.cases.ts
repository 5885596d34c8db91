import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import { distinctValues } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** Every coordinate of these small inputs is checked. */
const ALL = { samples: 400 };

/** MaxPool of x [dims] at `opsetVersion`; x holds distinct values (no ties within a window) unless `data` is given. */
export function maxPoolSpec(dims: number[], attrs: Record<string, AttrValue>, outputs = ['y'], data?: number[], opsetVersion = 17): GraphSpec {
  const n = dims.reduce((a, b) => a * b, 1);
  return { nodes: [node('MaxPool', ['x'], outputs, attrs)], params: { x: { dims, data: data ?? distinctValues(n, n) } }, output: 'y', opsetVersion };
}

function maxPool(name: string, dims: number[], attrs: Record<string, AttrValue>, outputs = ['y'], opsetVersion = 17): RuleCase {
  return { name, spec: maxPoolSpec(dims, attrs, outputs, undefined, opsetVersion), opts: ALL };
}

export const cases: RuleCase[] = [
  maxPool('handles overlapping non-square windows, strides and asymmetric pads', [2, 2, 7, 6], { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 0, 2, 1] }),
  maxPool('handles dilations with pads', [2, 2, 8, 7], { kernel_shape: [2, 3], dilations: [2, 3], strides: [1, 1], pads: [1, 1, 0, 2] }),
  maxPool('handles dilations in ceil mode', [1, 3, 8, 7], { kernel_shape: [3, 2], dilations: [2, 2], strides: [2, 1], ceil_mode: 1 }),
  maxPool('handles ceil_mode', [2, 3, 5, 6], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }),
  maxPool('handles ceil_mode with a start pad', [2, 2, 5, 7], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 0, 0], ceil_mode: 1 }),
  {
    // W: ⌈(6 + 1 − 2)/3⌉ + 1 = 3 windows, but the 3rd starts at column 6, in the padding.
    // ONNX Runtime logs a shape-inference warning on every run: few samples keep the log short.
    name: 'drops a ceil_mode window that would start inside the end padding',
    spec: maxPoolSpec([2, 3, 5, 6], { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 0, 0, 1], ceil_mode: 1 }),
    opts: { samples: 6 },
  },
  ...['SAME_UPPER', 'SAME_LOWER', 'VALID'].map((auto_pad) => maxPool(`follows auto_pad ${auto_pad}`, [2, 2, 6, 7], { kernel_shape: [3, 2], strides: [2, 2], auto_pad })),
  // ONNX Runtime sizes SAME pads with the undilated kernel.
  maxPool('follows auto_pad SAME_LOWER with dilations', [1, 2, 9, 8], { kernel_shape: [3, 2], strides: [2, 1], dilations: [2, 3], auto_pad: 'SAME_LOWER' }),
  maxPool('ignores the Indices output and storage_order', [2, 2, 5, 7], { kernel_shape: [2, 2], strides: [1, 2], storage_order: 1 }, ['y', 'indices']),
  maxPool('pools 1-D inputs', [3, 2, 13], { kernel_shape: [3], strides: [2], pads: [1, 1], dilations: [2] }),
  maxPool('pools 1-D inputs in ceil mode', [2, 2, 10], { kernel_shape: [3], strides: [2], ceil_mode: 1 }),
  maxPool('pools 1-D inputs with auto_pad SAME_UPPER', [2, 2, 10], { kernel_shape: [4], strides: [3], auto_pad: 'SAME_UPPER' }),
  maxPool('pools 1-D inputs in windows that tile the input', [2, 3, 11], { kernel_shape: [2], strides: [2] }),
  maxPool('pools 3-D inputs with strides and asymmetric pads', [2, 2, 5, 4, 6], { kernel_shape: [2, 3, 2], strides: [2, 1, 2], pads: [1, 0, 1, 0, 1, 1] }),
  maxPool('pools 3-D inputs with dilations', [1, 2, 6, 5, 6], { kernel_shape: [2, 2, 2], dilations: [2, 1, 2], strides: [1, 2, 2] }),
  maxPool('pools 3-D inputs in ceil mode', [2, 1, 5, 6, 5], { kernel_shape: [2, 3, 2], strides: [2, 2, 2], ceil_mode: 1 }),
  maxPool('pools 3-D inputs with auto_pad SAME_LOWER', [1, 2, 5, 4, 5], { kernel_shape: [2, 3, 2], strides: [2, 2, 1], auto_pad: 'SAME_LOWER' }),
  maxPool('pools 3-D inputs with auto_pad VALID', [2, 1, 5, 4, 5], { kernel_shape: [3, 2, 2], strides: [1, 2, 2], auto_pad: 'VALID' }),
  maxPool('pools 3-D inputs in windows that tile the input, with a remainder', [2, 2, 4, 5, 5], { kernel_shape: [2, 2, 2], strides: [2, 2, 2] }),
  maxPool('pools 3-D inputs with the Indices output', [1, 2, 4, 4, 4], { kernel_shape: [2, 2, 2], strides: [1, 2, 1] }, ['y', 'indices']),
  maxPool('opset 7 (no Indices output): overlapping windows with pads', [2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], 7),
  maxPool('opset 7: windows that tile the input', [2, 2, 6, 7], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], 7),
  maxPool('opset 7: 1-D inputs', [2, 2, 9], { kernel_shape: [3], strides: [2], pads: [1, 1] }, ['y'], 7),
  maxPool('opset 7: 3-D inputs', [1, 2, 4, 5, 4], { kernel_shape: [2, 3, 2], strides: [1, 2, 2], pads: [0, 1, 0, 1, 0, 1] }, ['y'], 7),
  maxPool('opset 8 (Indices, no Mod, no Where): overlapping windows', [2, 2, 5, 6], { kernel_shape: [3, 2], strides: [1, 2], pads: [1, 0, 0, 1] }, ['y'], 8),
  maxPool('opset 9: windows that tile the input', [2, 2, 6, 7], { kernel_shape: [2, 2], strides: [2, 2] }, ['y'], 9),
];
