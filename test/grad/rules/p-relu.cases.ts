import { node } from '../../../src/onnx/builder.js';
import { awayFrom, randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';

const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** x shapes with a slope shape that broadcasts to each (unidirectionally). */
const SHAPES: [string, number[], number[]][] = [
  ['a per-channel slope [C,1,1] on NCHW', [2, 3, 4, 5], [3, 1, 1]],
  ['a slope shaped like x', [3, 5], [3, 5]],
  ['a slope over the last axis', [2, 3, 4], [4]],
  ['one shared slope', [3, 7], [1]],
];

function prelu(label: string, xDims: number[], sDims: number[], opsetVersion: number, seed: number): RuleCase {
  return {
    name: `${label}, opset ${opsetVersion}`,
    spec: {
      nodes: [node('PRelu', ['x', 'slope'], ['y'])],
      params: {
        x: { dims: xDims, data: awayFrom(size(xDims), -2, 2, [0], 0.1, seed) },
        slope: { dims: sDims, data: randomFloats(seeded(seed + 1), size(sDims), -0.5, 1.5) },
      },
      output: 'y',
      opsetVersion,
    },
  };
}

export const cases: RuleCase[] = [
  ...SHAPES.map(([label, x, s], k) => prelu(label, x, s, 17, 50 + 2 * k)),
  prelu(SHAPES[0]![0], SHAPES[0]![1], SHAPES[0]![2], 8, 60),
  prelu(SHAPES[2]![0], SHAPES[2]![1], SHAPES[2]![2], 9, 62),
];
