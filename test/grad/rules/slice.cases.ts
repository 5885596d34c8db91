import { int64Tensor, node } from '../../../src/onnx/builder.js';
import type { GraphSpec } from '../../helpers/check-gradients.js';
import type { RuleCase } from './rule-case.js';

const S = { samples: 60 };

/** Slice of x [dims] with constant starts/ends and optional axes/steps inputs (opset 10+ form). */
export function sliceSpec(dims: number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): GraphSpec {
  const n = starts.length;
  const inputs = ['x', 'starts', 'ends', ...(axes ? ['axes'] : steps ? [''] : []), ...(steps ? ['steps'] : [])];
  return {
    nodes: [node('Slice', inputs, ['y'])],
    params: { x: { dims } },
    constants: [
      int64Tensor('starts', [n], starts), int64Tensor('ends', [n], ends),
      ...(axes ? [int64Tensor('axes', [n], axes)] : []), ...(steps ? [int64Tensor('steps', [n], steps)] : []),
    ],
    output: 'y',
  };
}

/** The opset 9 form: starts, ends and axes as attributes. */
export function sliceAttrSpec(dims: number[], starts: number[], ends: number[], axes: number[]): GraphSpec {
  return { nodes: [node('Slice', ['x'], ['y'], { starts, ends, axes })], params: { x: { dims } }, output: 'y', opsetVersion: 9 };
}

export const cases: RuleCase[] = [
  { name: 'scatters the gradient back for positive steps and clamped ends', spec: sliceSpec([4, 7, 5], [1, 0], [1e12, 6], [0, 1], [2, 3]), opts: S },
  { name: 'handles negative steps, negative starts and ends, and negative axes', spec: sliceSpec([4, 7, 5], [-1, 5], [-1e12, 0], [-1, 1], [-2, -1]), opts: S },
  { name: 'handles negative steps with out-of-range starts', spec: sliceSpec([4, 7, 5], [-2, 100], [0, -6], [0, -2], [-1, -3]), opts: S },
  { name: 'defaults axes to the leading ones and steps to 1', spec: sliceSpec([5, 6], [1, -4], [-1, 5]), opts: S },
  { name: 'defaults axes to the leading ones with a negative step', spec: sliceSpec([5, 6], [2], [1e12], undefined, [-1]), opts: S },
  { name: 'reads starts, ends and axes as attributes before opset 10', spec: sliceAttrSpec([4, 3, 5], [1, -3], [3, 1000], [2, 0]), opts: S },
];
