import { describe, expect, it } from 'vitest';
import { constant } from '../../src/grad/rules/constant.js';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Constant emitter', () => {
  it('emits nothing', () => {
    expect(constant.emit!(undefined as never)).toEqual([]);
  });

  it('leaves the gradient of a parameter it is concatenated with intact', async () => {
    await expectEmitterMatches({
      nodes: [
        node('Constant', [], ['k'], { value: floatTensor('kv', [1, 3], [0.5, -1, 2]) }),
        node('Concat', ['x', 'k'], ['y'], { axis: 0 }),
      ],
      params: { x: { dims: [2, 3] } },
      output: 'y',
    });
  });
});
