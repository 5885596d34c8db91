import { floatTensor, node, rawTensor } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import type { TensorProto } from '../../../src/onnx/types.js';
import { randomBits, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

function boolTensor(name: string, dims: number[], seed: number): TensorProto {
  return rawTensor(name, DataType.BOOL, dims, Uint8Array.from(randomBits(seeded(seed), size(dims))));
}

/** cond, X and Y shapes that cover equal shapes and each operand broadcasting. */
const SHAPES: [number[], number[], number[]][] = [
  [[3, 4], [3, 4], [3, 4]],
  [[2, 1, 4], [3, 1], [2, 3, 4]],
  [[2, 3, 4], [4], []],
  [[3, 1], [1, 5], [3, 5]],
];

function whereCase(c: number[], x: number[], y: number[], opsetVersion: number, seed: number): RuleCase {
  return {
    name: `cond [${c.join(',')}], X [${x.join(',')}], Y [${y.join(',')}], opset ${opsetVersion}`,
    spec: {
      nodes: [node('Where', ['cond', 'x', 'y'], ['out'])],
      params: { x: { dims: x }, y: { dims: y } },
      constants: [boolTensor('cond', c, seed)],
      output: 'out',
      opsetVersion,
    },
  };
}

export const cases: RuleCase[] = [
  ...SHAPES.map(([c, x, y], k) => whereCase(c, x, y, 17, 70 + k)),
  whereCase(SHAPES[1]![0], SHAPES[1]![1], SHAPES[1]![2], 9, 80),
  {
    name: 'only Y trained (X a constant)',
    spec: {
      nodes: [node('Where', ['cond', 'k', 'y'], ['out'])],
      params: { y: { dims: [2, 5] } },
      constants: [boolTensor('cond', [2, 5], 81), floatTensor('k', [1], [0.25])],
      output: 'out',
    },
  },
  {
    name: 'a condition computed in the graph (Less on a constant)',
    spec: {
      nodes: [node('Less', ['k', 'zero'], ['cond']), node('Where', ['cond', 'x', 'y'], ['out'])],
      params: { x: { dims: [3, 4] }, y: { dims: [4] } },
      constants: [
        floatTensor('k', [3, 4], [0.3, -0.2, 0.5, -0.9, -0.1, 0.4, 0.2, -0.6, 0.7, -0.3, 0.1, -0.8]),
        floatTensor('zero', [], [0]),
      ],
      output: 'out',
    },
  },
];
