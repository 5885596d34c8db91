import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 40 };

function tileSpec(xDims: number[], repeats: number[], opsetVersion = 17): GraphSpec {
  return {
    nodes: [node('Tile', ['x', 'r'], ['y'])],
    params: { x: { dims: xDims } },
    constants: [int64Tensor('r', [repeats.length], repeats)],
    output: 'y',
    opsetVersion,
  };
}

export const cases: RuleCase[] = [
  ...[7, 13].map((opset): RuleCase => ({ name: `sums the repeats of a 2-D input (opset ${opset})`, spec: tileSpec([2, 3], [2, 3], opset), opts: S })),
  { name: 'repeats a size-1 axis and leaves others alone', spec: tileSpec([2, 1, 3], [1, 4, 2]), opts: S },
  { name: 'is the identity for repeats of 1', spec: tileSpec([3, 4], [1, 1]), opts: S },
  { name: 'tiles a 1-D input', spec: tileSpec([5], [3]), opts: S },
];
