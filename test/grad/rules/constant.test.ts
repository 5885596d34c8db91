import { describe, expect, it } from 'vitest';
import { constant } from '../../../src/grad/rules/constant.js';
import { rules } from '../../../src/grad/rules/index.js';
import { floatTensor, node } from '../../../src/onnx/builder.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';

describe('Constant rule', () => {
  it('has no differentiable input and returns nothing', () => {
    expect(rules['Constant']).toBe(constant);
    expect(constant.differentiable).toEqual([]);
    expect(constant.saves).toEqual({ inputs: [], outputs: [] });
    expect(constant.vjp({ node: undefined as never, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 })).toEqual([]);
  });

  it('leaves the gradient of a parameter it is concatenated with intact', async () => {
    await expectGradientsMatch({
      nodes: [
        node('Constant', [], ['k'], { value: floatTensor('kv', [1, 3], [0.5, -1, 2]) }),
        node('Concat', ['x', 'k'], ['y'], { axis: 0 }),
      ],
      params: { x: { dims: [2, 3] } },
      output: 'y',
    }, { samples: 30 });
  });
});
