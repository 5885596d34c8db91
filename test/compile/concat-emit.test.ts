import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/concat.cases.js';

describe('Concat emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('passes the gradient through a single input (opset 18)', async () => {
    await expectEmitterMatches({
      nodes: [node('Concat', ['a'], ['y'], { axis: 1 }), node('Concat', ['y', 'a'], ['z'], { axis: -1 })],
      params: { a: { dims: [2, 3] } },
      output: 'z',
      opsetVersion: 18,
    });
  });
});
