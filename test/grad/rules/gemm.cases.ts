import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

/** Y [M,N] = α·A [M,K] · B [K,N] + β·C, before the transposes. */
export const M = 3;
export const K = 4;
export const N = 5;

const transposed: RuleCase[] = [0, 1].flatMap((transA) => [0, 1].map((transB) => ({
  name: `transA=${transA}, transB=${transB}, alpha and beta ≠ 1`,
  spec: {
    nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transA, transB, alpha: 0.7, beta: -1.3 })],
    params: { a: { dims: transA ? [K, M] : [M, K] }, b: { dims: transB ? [N, K] : [K, N] }, c: { dims: [N] } },
    output: 'y',
  },
})));

const cShapes: number[][] = [[N], [1, N], [M, 1], [M, N], []];

const reducedC: RuleCase[] = cShapes.map((dims) => ({
  name: `reduces the gradient of C with shape [${dims.join(',')}] to that shape`,
  spec: {
    nodes: [node('Gemm', ['a', 'b', 'c'], ['y'], { transB: 1, beta: 2.5 })],
    params: { a: { dims: [M, K] }, b: { dims: [N, K] }, c: { dims } },
    output: 'y',
  },
}));

export const cases: RuleCase[] = [
  ...transposed,
  ...reducedC,
  {
    name: 'works without C',
    spec: { nodes: [node('Gemm', ['a', 'b'], ['y'], { transA: 1, alpha: 1.5 })], params: { a: { dims: [K, M] }, b: { dims: [K, N] } }, output: 'y' },
  },
];
