import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases, roundTrip } from '../grad/rules/cast.cases.js';

describe('Cast emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('gives a double value a double gradient, for the emitters that multiply it by forward values', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Cast', ['x'], ['d'], { to: DataType.DOUBLE }),
        node('Mul', ['d', 'd'], ['t']),
        node('Cast', ['t'], ['y'], { to: DataType.FLOAT }),
      ],
      params: { x: { dims: [3, 4] } },
      output: 'y',
    });
  });

  it('casts the gradient to float before opset 15', async () => {
    await expectEmitterMatches(roundTrip(13));
  });
});
