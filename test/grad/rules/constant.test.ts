import { describe, expect, it } from 'vitest';
import { constant } from '../../../src/grad/rules/constant.js';
import { rules } from '../../../src/grad/rules/index.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './constant.cases.js';

describe('Constant rule', () => {
  it('has no differentiable input and returns nothing', () => {
    expect(rules['Constant']).toBe(constant);
    expect(constant.differentiable).toEqual([]);
    expect(constant.saves).toEqual({ inputs: [], outputs: [] });
    expect(constant.vjp({ node: undefined as never, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 })).toEqual([]);
  });

  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });
});
