import { describe, it } from 'vitest';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

/** [opset, axis attribute (undefined = default), label] */
const cases: [number, number | undefined, string][] = [
  [17, undefined, 'the default axis -1 (last axis only)'],
  [17, 1, 'axis 1 (one middle axis)'],
  [17, -3, 'axis -3 (the first axis)'],
  [13, 0, 'axis 0 at opset 13'],
  [11, undefined, 'the default axis 1 (axes 1.. flattened together)'],
  [11, 0, 'axis 0 (every axis flattened together)'],
  [11, -1, 'axis -1 (the last axis)'],
  [11, -2, 'axis -2 (the last two axes)'],
];

describe('LogSoftmax emitter', () => {
  for (const [opsetVersion, axis, label] of cases) {
    it(`gives the TypeScript rule's gradient at opset ${opsetVersion} with ${label}`, async () => {
      await expectEmitterMatches({
        nodes: [node('LogSoftmax', ['x'], ['y'], axis === undefined ? {} : { axis })],
        params: { x: { dims: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(1.7 * i) * 2) } },
        output: 'y',
        opsetVersion,
      });
    });
  }
});
