import { node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 40 };

/** y = Einsum(equation) of trained operands x0, x1, … */
export function einsumSpec(equation: string, dims: number[][], opsetVersion = 17): GraphSpec {
  const names = dims.map((_, k) => `x${k}`);
  return {
    nodes: [node('Einsum', names, ['y'], { equation }, { name: 'einsum_node' })],
    params: Object.fromEntries(names.map((n, k) => [n, { dims: dims[k]! }])),
    output: 'y',
    opsetVersion,
  };
}

const forms: [string, string, number[][], number?][] = [
  ['a matrix product', 'ij,jk->ik', [[3, 4], [4, 5]]],
  ['a matrix product at opset 12', 'ij,jk->ik', [[3, 4], [4, 5]], 12],
  ['the implicit output form', 'ij,jk', [[3, 4], [4, 5]]],
  ['a batched matrix product', 'bij,bjk->bik', [[2, 3, 4], [2, 4, 5]]],
  ['attention scores (transposed second operand)', 'bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
  ['an outer product', 'i,j->ij', [[3], [4]]],
  ['a transposed output', 'ij,jk->ki', [[3, 4], [4, 5]]],
  ['a full contraction to a scalar', 'ij,ij->', [[3, 4], [3, 4]]],
  ['an index only one operand holds, summed away', 'ij,jk->k', [[3, 4], [4, 5]]],
  ['a shared batch index with a free index on each side', 'bij,jk->bik', [[2, 3, 4], [4, 5]]],
  ['upper- and lower-case indices', 'Ab,bC->CA', [[3, 4], [4, 2]]],
  ['three operands', 'ij,jk,kl->il', [[2, 3], [3, 4], [4, 2]]],
  ['an ellipsis on one operand only', '...ij,jk->...ik', [[2, 3, 4], [4, 5]]],
  ['ellipses on both operands', '...ij,...jk->...ik', [[2, 3, 3, 4], [2, 3, 4, 5]]],
  ['ellipses that broadcast a size-1 axis', '...ij,...jk->...ik', [[2, 1, 3, 4], [1, 5, 4, 2]]],
  ['an implicit output with ellipses', '...ij,...jk', [[2, 3, 4], [1, 4, 5]]],
  ['a single operand transposed', 'ij->ji', [[3, 4]]],
  ['a single operand summed over an axis', 'ijk->ki', [[2, 3, 4]]],
  ['a single operand in implicit form', 'ba', [[3, 4]]],
];

export const cases: RuleCase[] = forms.map(([label, eq, dims, opset]) => ({
  name: `${label}: '${eq}' on ${dims.map((d) => `[${d.join(',')}]`).join(', ')}`,
  spec: einsumSpec(eq, dims, opset),
  opts: S,
}));
