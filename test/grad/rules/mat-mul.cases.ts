import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

const shapes: [string, number[], number[]][] = [
  ['2-D by 2-D', [3, 4], [4, 5]],
  ['batched by 2-D (B broadcast over the batch)', [2, 3, 4], [4, 5]],
  ['2-D by batched (A broadcast over the batch)', [3, 4], [2, 4, 5]],
  ['broadcast batch axes on both sides', [2, 1, 3, 4], [3, 4, 5]],
  ['size-1 batch axis against a full one', [1, 3, 2, 4], [2, 3, 4, 5]],
  ['1-D by 2-D', [4], [4, 5]],
  ['2-D by 1-D', [3, 4], [4]],
  ['1-D by batched', [4], [2, 4, 5]],
  ['batched by 1-D', [2, 3, 4], [4]],
  ['1-D by 1-D (a dot product)', [4], [4]],
  ['size-1 batch axis against a longer batch on the other side', [2, 1, 3, 4], [5, 4, 2]],
  ['size-1 batch axes on both sides', [2, 1, 3, 4], [1, 5, 4, 2]],
  ['1-D by a batch with a size-1 axis', [4], [2, 1, 4, 5]],
  ['a batch with a size-1 axis by 1-D', [3, 1, 2, 4], [4]],
  ['rank-3 by rank-4 with broadcasting on both', [3, 2, 4], [2, 1, 4, 3]],
];

export const cases: RuleCase[] = shapes.map(([label, aDims, bDims]) => ({
  name: `${label}, [${aDims.join(',')}] x [${bDims.join(',')}]`,
  spec: { nodes: [node('MatMul', ['a', 'b'], ['y'])], params: { a: { dims: aDims }, b: { dims: bDims } }, output: 'y' },
}));
