import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, subsampleNode } from '../grad/rules/subsample.cases.js';

describe('edgetune.Subsample emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('leftover rows only', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 2 })],
      params: { x: { dims: [2, 2, 5, 6] }, beta: { dims: [2] }, bias: { dims: [2] } },
      output: 'y',
    });
  });

  it('size 1 (the identity block)', async () => {
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 1 })],
      params: { x: { dims: [2, 3, 3, 4] }, beta: { dims: [3] }, bias: { dims: [3] } },
      output: 'y',
    });
  });

  it('after a Conv, as in the paper\'s C → S layers', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 0, 0, 1] }),
        node('Subsample', ['c', 'beta', 'bias'], ['y'], { size: 2 }, { domain: 'edgetune' }),
      ],
      params: { x: { dims: [2, 2, 7, 6] }, w: { dims: [3, 2, 3, 2] }, b: { dims: [3] }, beta: { dims: [3] }, bias: { dims: [3] } },
      output: 'y',
    });
  });

  it('an input fed at run time: only beta and bias are trained', async () => {
    const data = Float32Array.from({ length: 2 * 2 * 5 * 7 }, (_, i) => Math.cos(0.3 * i));
    await expectEmitterMatches({
      nodes: [subsampleNode({ size: 2 })],
      params: { beta: { dims: [2] }, bias: { dims: [2] } },
      feeds: { x: { dims: [2, 2, 5, 7], data } },
      output: 'y',
    });
  });
});
