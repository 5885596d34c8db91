import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { floatTensor, node } from '../../../src/onnx/builder.js';
import { checkGradients, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { bool, cases } from './dropout.cases.js';

describe('Dropout rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses training mode, naming the node', async () => {
    await expect(checkGradients({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'], {}, { name: 'drop1' })],
      params: { x: { dims: [2, 3] } },
      constants: [floatTensor('r', [], [0.5]), bool('t', true)],
      output: 'y',
    })).rejects.toThrow(UnsupportedError);
    await expect(checkGradients({
      nodes: [node('Dropout', ['x', '', 't'], ['y'], {}, { name: 'drop2' })],
      params: { x: { dims: [2, 3] } },
      constants: [bool('t', true)],
      output: 'y',
    })).rejects.toThrow(/'drop2'/);
  });
});
