import { lenet5Table } from '../../../customops/table-conv.js';
import { node, type AttrValue } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import { randomBits, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

/** A random 4×3 connection table. */
export const randomTable = randomBits(seeded(17), 4 * 3, 0.5);

/** edgetune.TableConv of x [x] by w [w], with a bias [w[0]] unless `bias` is false; all trained. */
export function tableConvSpec(x: number[], w: number[], attrs: Record<string, AttrValue>, bias = true): GraphSpec {
  return {
    nodes: [node('TableConv', bias ? ['x', 'w', 'b'] : ['x', 'w'], ['y'], attrs, { domain: 'edgetune', name: 'tc' })],
    params: { x: { dims: x }, w: { dims: w }, ...(bias ? { b: { dims: [w[0]!] } } : {}) },
    output: 'y',
  };
}

/** A case and the table it uses, so the rule test can also check that unconnected kernels get no gradient. */
export interface TableConvCase extends RuleCase {
  table: number[];
}

const lenet = lenet5Table();
const S = { samples: 24 };

export const cases: TableConvCase[] = [
  { name: 'LeNet-5 C3 table', spec: tableConvSpec([2, 6, 7, 6], [16, 6, 3, 3], { table: lenet }), opts: S, table: lenet },
  {
    name: 'random table with strides, asymmetric pads and dilations',
    spec: tableConvSpec([2, 3, 8, 7], [4, 3, 2, 3], { table: randomTable, strides: [2, 1], pads: [1, 0, 0, 2], dilations: [1, 2] }),
    opts: S,
    table: randomTable,
  },
  {
    name: 'random table with auto_pad SAME_UPPER and stride 2',
    spec: tableConvSpec([3, 3, 7, 5], [4, 3, 3, 2], { table: randomTable, auto_pad: 'SAME_UPPER', strides: [2, 2] }),
    opts: S,
    table: randomTable,
  },
];
