import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Tanh emitter', () => {
  it('gives the TypeScript rule\'s gradient on an odd shape', async () => {
    await expectEmitterMatches({ nodes: [node('Tanh', ['x'], ['y'])], params: { x: { dims: [3, 5, 2] } }, output: 'y' });
  });

  it('gives the TypeScript rule\'s gradient in the saturated range', async () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => -2.5 + (5 * i) / 11);
    await expectEmitterMatches({ nodes: [node('Tanh', ['x'], ['y'])], params: { x: { dims: [2, 6], data } }, output: 'y' });
  });
});
