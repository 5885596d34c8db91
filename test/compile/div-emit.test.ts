import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, divisors } from '../grad/rules/div.cases.js';

describe('Div emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('gives only the divisor a gradient when the dividend is a graph input', async () => {
    await expectEmitterMatches({
      nodes: [node('Div', ['c', 'b'], ['y'])],
      params: { b: { dims: [2, 3], data: divisors([2, 3], 4) } },
      feeds: { c: { dims: [3], data: Float32Array.from([0.5, -1.25, 2]) } },
      output: 'y',
    });
  });
});
