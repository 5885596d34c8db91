import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Sigmoid emitter', () => {
  it('gives the TypeScript rule\'s gradient', async () => {
    await expectEmitterMatches({ nodes: [node('Sigmoid', ['x'], ['y'])], params: { x: { dims: [3, 5, 2] } }, output: 'y' });
  });
});
