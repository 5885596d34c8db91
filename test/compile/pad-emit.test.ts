import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { UnsupportedError } from '../../src/errors.js';
import { pad } from '../../src/grad/rules/pad.js';
import { Attrs } from '../../src/graph/attributes.js';
import { floatTensor, int64Tensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

describe('Pad emitter', () => {
  it('crops the gradient for positive, asymmetric pads (opset 11, pads input)', async () => {
    await expectEmitterMatches({
      nodes: [node('Pad', ['x', 'pads'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [8], [0, 1, 2, 0, 1, 0, 1, 3])],
      output: 'y',
      opsetVersion: 11,
    });
  });

  it('zero-fills what negative pads cropped, with a constant_value input', async () => {
    await expectEmitterMatches({
      nodes: [node('Pad', ['x', 'pads', 'v'], ['y'], { mode: 'constant' })],
      params: { x: { dims: [2, 3, 6, 5] } },
      constants: [int64Tensor('pads', [8], [0, -1, 2, -2, 1, 0, -3, 1]), floatTensor('v', [], [0.75])],
      output: 'y',
    });
  });

  it('pads only the listed axes, negative ones included (opset 18)', async () => {
    await expectEmitterMatches({
      nodes: [node('Pad', ['x', 'pads', '', 'axes'], ['y'])],
      params: { x: { dims: [2, 3, 4, 5] } },
      constants: [int64Tensor('pads', [4], [2, -1, -1, 3]), int64Tensor('axes', [2], [-1, 1])],
      output: 'y',
      opsetVersion: 18,
    });
  });

  it('reads pads as an attribute before opset 11', async () => {
    await expectEmitterMatches({
      nodes: [node('Pad', ['x'], ['y'], { pads: [1, -1, 0, 2], value: 0.5 })],
      params: { x: { dims: [3, 4] } },
      output: 'y',
      opsetVersion: 10,
    });
  });

  it('refuses the non-constant modes, naming the node', () => {
    const proto = node('Pad', ['x', 'pads'], ['y'], { mode: 'edge' }, { name: 'border' });
    const n = { index: 0, proto, name: 'border', opType: 'Pad', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const ctx = new GraphEmitter(new Map([['x', [1, 2]], ['y', [3, 4]]])).context({
      node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true, false], opset: 17,
    });
    expect(() => pad.emit!(ctx)).toThrow(UnsupportedError);
    expect(() => pad.emit!(ctx)).toThrow(/'border'.*'edge'/);
  });
});
