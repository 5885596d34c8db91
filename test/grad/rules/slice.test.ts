import { describe, expect, it } from 'vitest';
import { sliceRanges } from '../../../src/grad/rules/slice.js';
import { int64Tensor, node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch, type GraphSpec } from '../../helpers/check-gradients.js';

const S = { samples: 60 };

function sliceSpec(dims: number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): GraphSpec {
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

describe('Slice rule', () => {
  it('scatters the gradient back for positive steps and clamped ends', async () => {
    await expectGradientsMatch(sliceSpec([4, 7, 5], [1, 0], [1e12, 6], [0, 1], [2, 3]), S);
  });

  it('handles negative steps, negative starts and ends, and negative axes', async () => {
    await expectGradientsMatch(sliceSpec([4, 7, 5], [-1, 5], [-1e12, 0], [-1, 1], [-2, -1]), S);
    await expectGradientsMatch(sliceSpec([4, 7, 5], [-2, 100], [0, -6], [0, -2], [-1, -3]), S);
  });

  it('defaults axes to the leading ones and steps to 1', async () => {
    await expectGradientsMatch(sliceSpec([5, 6], [1, -4], [-1, 5]), S);
    await expectGradientsMatch(sliceSpec([5, 6], [2], [1e12], undefined, [-1]), S);
  });

  it('reads starts, ends and axes as attributes before opset 10', async () => {
    await expectGradientsMatch({
      nodes: [node('Slice', ['x'], ['y'], { starts: [1, -3], ends: [3, 1000], axes: [2, 0] })],
      params: { x: { dims: [4, 3, 5] } },
      output: 'y',
      opsetVersion: 9,
    }, S);
  });

  it('computes ONNX index ranges by hand', () => {
    // dim 7: start −1 → 6, end −1e12 → clamped to −1, step −2 → 6, 4, 2, 0
    expect(sliceRanges([7], [-1], [-1e12], undefined, [-2], 't')).toEqual({ start: [6], step: [-2], count: [4] });
    // dim 5: start 9 → clamped to 5, empty
    expect(sliceRanges([5, 3], [9], [10], [0], undefined, 't')).toEqual({ start: [5, 0], step: [1, 1], count: [0, 3] });
    // dim 5: start 9 with a negative step → clamped to 4; end −7 → −2 → clamped to −1
    expect(sliceRanges([5], [9], [-7], [-1], [-3], 't')).toEqual({ start: [4], step: [-3], count: [2] });
    expect(() => sliceRanges([5], [0], [1], [0], [0], 'node s')).toThrow(/node s: step 0/);
  });
});
