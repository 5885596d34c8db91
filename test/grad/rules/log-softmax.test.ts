import { describe, it } from 'vitest';
import { node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

/** [opset, axis attribute (undefined = default), label] */
const cases: [number, number | undefined, string][] = [
  [17, undefined, 'the default axis -1 (last axis only)'],
  [17, 1, 'axis 1 (one middle axis)'],
  [17, -3, 'axis -3 (the first axis)'],
  [11, undefined, 'the default axis 1 (axes 1.. flattened together)'],
  [11, 0, 'axis 0 (every axis flattened together)'],
  [11, -1, 'axis -1 (the last axis)'],
];

describe('LogSoftmax rule', () => {
  for (const [opsetVersion, axis, label] of cases) {
    it(`matches central differences at opset ${opsetVersion} with ${label}`, async () => {
      await expectGradientsMatch({
        nodes: [node('LogSoftmax', ['x'], ['y'], axis === undefined ? {} : { axis })],
        params: { x: { dims: [2, 3, 4], data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(1.7 * i) * 2) } },
        output: 'y',
        opsetVersion,
      });
    });
  }
});
