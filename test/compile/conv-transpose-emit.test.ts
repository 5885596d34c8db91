import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/conv-transpose.cases.js';

describe('ConvTranspose emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('a Conv encoder and a ConvTranspose decoder: ∂X of the decoder feeds the encoder', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Conv', ['x', 'w1', 'b1'], ['h'], { strides: [2, 2], pads: [1, 1, 1, 1] }),
        node('ConvTranspose', ['h', 'w2', 'b2'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] }),
      ],
      params: { x: { dims: [2, 2, 6, 8] }, w1: { dims: [3, 2, 3, 3] }, b1: { dims: [3] }, w2: { dims: [3, 2, 3, 3] }, b2: { dims: [2] } },
      output: 'y',
    });
  });

  it('an input fed at run time gets no gradient; W and B still do', async () => {
    const data = Float32Array.from({ length: 2 * 3 * 4 * 3 }, (_, i) => Math.sin(0.7 * i));
    await expectEmitterMatches({
      nodes: [node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: [2, 2], output_padding: [1, 1] })],
      params: { w: { dims: [3, 2, 3, 3] }, b: { dims: [2] } },
      feeds: { x: { dims: [2, 3, 4, 3], data } },
      output: 'y',
    });
  });
});
