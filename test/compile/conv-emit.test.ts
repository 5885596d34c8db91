import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, convSpec } from '../grad/rules/conv.cases.js';

describe('Conv emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('strides, dilations and pads together (weight-gradient slice)', async () => {
    await expectEmitterMatches(convSpec([2, 3, 9, 8], [2, 3, 2, 3], { strides: [3, 2], dilations: [2, 1], pads: [2, 0, 1, 2] }));
  });

  it('group 2 with strides and dilations', async () => {
    await expectEmitterMatches(convSpec([3, 4, 8, 7], [4, 2, 2, 2], { group: 2, strides: [2, 3], dilations: [2, 1], pads: [0, 1, 1, 0] }));
  });

  it('two stacked convs: ∂X of the second feeds the first', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['h'], { strides: [2, 2], pads: [1, 0, 0, 1] }),
        node('Conv', ['h', 'w2'], ['y'], { group: 2, dilations: [1, 2], pads: [0, 2, 1, 1] }),
      ],
      params: { x: { dims: [2, 3, 9, 8] }, w1: { dims: [4, 3, 3, 2] }, b1: { dims: [4] }, w2: { dims: [2, 2, 2, 2] } },
      output: 'y',
    });
  });

  it('an input fed at run time gets no gradient; W and B still do (1-D)', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 10 }, (_, i) => Math.sin(0.7 * i));
    await expectEmitterMatches({
      nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { strides: [3], pads: [1, 2] })],
      params: { w: { dims: [2, 3, 3] }, b: { dims: [2] } },
      feeds: { x: { dims: [2, 3, 10], data } },
      output: 'y',
    });
  });
});
