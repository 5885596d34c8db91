import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/hard-swish.cases.js';

describe('HardSwish emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('takes the rule\'s one-sided slopes at exactly −3 and 3', async () => {
    await expectEmitterMatches({
      nodes: [node('HardSwish', ['x'], ['y'])],
      params: { x: { dims: [2, 3], data: [-3, 3, -1, 0.5, 4, -4] } },
      output: 'y',
    });
  });
});
