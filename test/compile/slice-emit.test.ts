import { describe, it } from 'vitest';
import { int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, sliceAttrSpec, sliceSpec } from '../grad/rules/slice.cases.js';

describe('Slice emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('reverses a whole axis', async () => {
    await expectEmitterMatches(sliceSpec([3, 6], [-1], [-1e12], [1], [-1]));
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

  it('reads starts, ends and axes as attributes before opset 10, on a wider last axis', async () => {
    await expectEmitterMatches(sliceAttrSpec([4, 3, 6], [2, -3], [4, 1000], [2, 0]));
  });
});
