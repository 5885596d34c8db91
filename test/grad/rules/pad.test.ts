import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { pad, padConstant } from '../../../src/grad/rules/pad.js';
import { Attrs } from '../../../src/graph/attributes.js';
import { node } from '../../../src/onnx/builder.js';
import { tensor } from '../../../src/tensor/tensor.js';
import { expectGradientsMatch } from '../../helpers/check-gradients.js';
import { cases } from './pad.cases.js';

describe('Pad rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('refuses a mode it does not know, naming the node', () => {
    const proto = node('Pad', ['x', 'pads'], ['y'], { mode: 'symmetric' }, { name: 'mirror' });
    const n = { index: 0, proto, name: 'mirror', opType: 'Pad', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const ctx = { node: n, inputs: [], outputs: [], gradOutputs: [tensor([2, 2])], needs: [true, false], opset: 13 };
    expect(() => pad.vjp(ctx)).toThrow(UnsupportedError);
    expect(() => pad.vjp(ctx)).toThrow(/'mirror'.*'symmetric'/);
  });

  it('padConstant pads and crops by hand', () => {
    const x = tensor([2, 3], [1, 2, 3, 4, 5, 6]);
    const y = padConstant(x, [1, -1], [-1, 1]);
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data)).toEqual([0, 0, 0, 2, 3, 0]);
  });
});
