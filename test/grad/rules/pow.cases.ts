import { floatTensor, int64Tensor, node } from '../../../src/onnx/builder.js';
import { awayFrom, randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** Base and exponent shapes: equal, broadcasting either way, a rank-1 and a scalar exponent. */
const PAIRS: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[3, 1, 5], [4, 1]],
  [[4, 1], [3, 1, 5]],
  [[2, 3, 4], [4]],
  [[2, 3, 4], []],
];

/** Z = X^Y with both trained, X in [0.3, 2], Y in [−1.5, 2.5]. */
const bothTrained: RuleCase[] = PAIRS.map(([xDims, yDims], k) => ({
  name: `X and Y trained, [${xDims.join(',')}] ^ [${yDims.join(',')}]`,
  spec: {
    nodes: [node('Pow', ['x', 'y'], ['z'])],
    params: {
      x: { dims: xDims, data: randomFloats(seeded(20 + k), size(xDims), 0.3, 2) },
      y: { dims: yDims, data: randomFloats(seeded(30 + k), size(yDims), -1.5, 2.5) },
    },
    output: 'z',
  },
}));

export const cases: RuleCase[] = [
  ...bothTrained,
  {
    name: 'X and Y trained at opset 7 (before integer exponents)',
    spec: {
      nodes: [node('Pow', ['x', 'y'], ['z'])],
      params: {
        x: { dims: [2, 3, 4], data: randomFloats(seeded(40), 24, 0.3, 2) },
        y: { dims: [3, 1], data: [0.5, -1.2, 2.2] },
      },
      output: 'z',
      opsetVersion: 7,
    },
  },
  {
    name: 'a constant float exponent 2 on negative and positive X',
    spec: {
      nodes: [node('Pow', ['x', 'e'], ['z'])],
      params: { x: { dims: [3, 7], data: awayFrom(21, -2, 2, [0], 0.1, 41) } },
      constants: [floatTensor('e', [], [2])],
      output: 'z',
    },
  },
  {
    name: 'a constant int64 exponent 3 on negative X (opset 13)',
    spec: {
      nodes: [node('Pow', ['x', 'e'], ['z'])],
      params: { x: { dims: [2, 5, 3], data: randomFloats(seeded(42), 30, -1.8, -0.2) } },
      constants: [int64Tensor('e', [], [3])],
      output: 'z',
      opsetVersion: 13,
    },
  },
  {
    name: 'a constant exponent 0.5 (a square root) on positive X',
    spec: {
      nodes: [node('Pow', ['x', 'e'], ['z'])],
      params: { x: { dims: [4, 5], data: randomFloats(seeded(43), 20, 0.2, 3) } },
      constants: [floatTensor('e', [1], [0.5])],
      output: 'z',
    },
  },
  {
    name: 'per-column constant exponents [1, 2, 3] on mixed-sign X at opset 11',
    spec: {
      nodes: [node('Pow', ['x', 'e'], ['z'])],
      params: { x: { dims: [4, 3], data: awayFrom(12, -2, 2, [0], 0.1, 44) } },
      constants: [floatTensor('e', [3], [1, 2, 3])],
      output: 'z',
      opsetVersion: 11,
    },
  },
  {
    name: 'only the exponent trained, a constant positive base',
    spec: {
      nodes: [node('Pow', ['b', 'y'], ['z'])],
      params: { y: { dims: [2, 3], data: randomFloats(seeded(45), 6, -1, 2) } },
      constants: [floatTensor('b', [3], [0.5, 1.5, 3])],
      output: 'z',
    },
  },
];
