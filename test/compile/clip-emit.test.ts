import { describe, it } from 'vitest';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/clip.cases.js';

describe('Clip emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('lo ≥ hi gives 0 everywhere', async () => {
    await expectEmitterMatches({
      nodes: [node('Clip', ['x', 'lo', 'hi'], ['y']), node('Add', ['y', 'x'], ['z'])],
      params: { x: { dims: [2, 4] } },
      constants: [floatTensor('lo', [], [0.5]), floatTensor('hi', [], [-0.5])],
      output: 'z',
    });
  });
});
