import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import type { GraphSpec } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

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

describe('Slice emitter', () => {
  it('scatters the gradient back for positive steps and clamped ends', async () => {
    await expectEmitterMatches(sliceSpec([4, 7, 5], [1, 0], [1e12, 6], [0, 1], [2, 3]));
  });

  it('handles negative steps, negative starts and ends, and negative axes', async () => {
    await expectEmitterMatches(sliceSpec([4, 7, 5], [-1, 5], [-1e12, 0], [-1, 1], [-2, -1]));
    await expectEmitterMatches(sliceSpec([4, 7, 5], [-2, 100], [0, -6], [0, -2], [-1, -3]));
  });

  it('reverses a whole axis', async () => {
    await expectEmitterMatches(sliceSpec([3, 6], [-1], [-1e12], [1], [-1]));
  });

  it('defaults axes to the leading ones and steps to 1', async () => {
    await expectEmitterMatches(sliceSpec([5, 6], [1, -4], [-1, 5]));
    await expectEmitterMatches(sliceSpec([5, 6], [2], [1e12], undefined, [-1]));
  });

  it('takes every other row and column of an [N,C,H,W] input (space-to-depth)', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Slice', ['x', 's0', 'e', 'ax', 'st'], ['a']),
        node('Slice', ['x', 's1', 'e', 'ax', 'st'], ['b']),
        node('Concat', ['a', 'b'], ['y'], { axis: 1 }),
      ],
      params: { x: { dims: [2, 3, 6, 4] } },
      constants: [
        int64Tensor('s0', [2], [0, 0]), int64Tensor('s1', [2], [1, 1]), int64Tensor('e', [2], [1e12, 1e12]),
        int64Tensor('ax', [2], [2, 3]), int64Tensor('st', [2], [2, 2]),
      ],
      output: 'y',
    });
  });

  it('reads starts computed in the graph (opset 13)', async () => {
    await expectEmitterMatches({
      nodes: [node('Neg', ['m'], ['starts']), node('Slice', ['x', 'starts', 'ends', 'axes'], ['y'])],
      params: { x: { dims: [3, 8] } },
      constants: [int64Tensor('m', [1], [5]), int64Tensor('ends', [1], [7]), int64Tensor('axes', [1], [-1])],
      output: 'y',
      opsetVersion: 13,
    });
  });

  it('reads starts, ends and axes as attributes before opset 10', async () => {
    await expectEmitterMatches({
      nodes: [node('Slice', ['x'], ['y'], { starts: [1, -3], ends: [3, 1000], axes: [2, 0] })],
      params: { x: { dims: [4, 3, 5] } },
      output: 'y',
      opsetVersion: 9,
    });
    await expectEmitterMatches({
      nodes: [node('Slice', ['x'], ['y'], { starts: [2, -3], ends: [4, 1000], axes: [2, 0] })],
      params: { x: { dims: [4, 3, 6] } },
      output: 'y',
      opsetVersion: 9,
    });
  });
});
