import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/relu.cases.js';

describe('Relu emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('gives 0 exactly at 0, as the rule\'s subgradient', async () => {
    await expectEmitterMatches({
      nodes: [node('Relu', ['x'], ['y'])],
      params: { x: { dims: [2, 3], data: [0, 0.5, -0.5, 0, 1, -1] } },
      output: 'y',
    });
  });
});
