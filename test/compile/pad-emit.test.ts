import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { UnsupportedError } from '../../src/errors.js';
import { pad } from '../../src/grad/rules/pad.js';
import { Attrs } from '../../src/graph/attributes.js';
import { node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { cases } from '../grad/rules/pad.cases.js';

describe('Pad emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it('refuses a mode it does not know, naming the node', () => {
    const proto = node('Pad', ['x', 'pads'], ['y'], { mode: 'symmetric' }, { name: 'border' });
    const n = { index: 0, proto, name: 'border', opType: 'Pad', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const ctx = new GraphEmitter(new Map([['x', [1, 2]], ['y', [3, 4]]])).context({
      node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true, false], opset: 17,
    });
    expect(() => pad.emit!(ctx)).toThrow(UnsupportedError);
    expect(() => pad.emit!(ctx)).toThrow(/'border'.*'symmetric'/);
  });
});
