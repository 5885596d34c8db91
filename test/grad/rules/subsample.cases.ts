import { node } from '../../../src/onnx/builder.js';
import type { RuleCase } from './rule-case.js';

/** edgetune.Subsample(x, beta, bias) → y. */
export function subsampleNode(attrs: Record<string, number> = {}) {
  return node('Subsample', ['x', 'beta', 'bias'], ['y'], attrs, { domain: 'edgetune' });
}

export const cases: RuleCase[] = [
  {
    name: 'default size 2 on a non-square batch',
    spec: { nodes: [subsampleNode()], params: { x: { dims: [2, 3, 6, 4] }, beta: { dims: [3] }, bias: { dims: [3] } }, output: 'y' },
  },
  {
    name: 'size 3 with leftover rows and columns (zero padding of up(δ))',
    spec: { nodes: [subsampleNode({ size: 3 })], params: { x: { dims: [3, 2, 7, 8] }, beta: { dims: [2] }, bias: { dims: [2] } }, output: 'y' },
  },
  {
    name: 'beta and bias of shape [1] broadcast over the maps',
    spec: { nodes: [subsampleNode({ size: 2 })], params: { x: { dims: [2, 3, 5, 4] }, beta: { dims: [1] }, bias: { dims: [1] } }, output: 'y' },
  },
];
