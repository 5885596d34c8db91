import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { UnsupportedError } from '../../src/errors.js';
import { resize } from '../../src/grad/rules/resize.js';
import { Attrs } from '../../src/graph/attributes.js';
import { floatTensor, node } from '../../src/onnx/builder.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import type { GraphSpec } from '../helpers/check-gradients.js';
import { cases, policyCases } from '../grad/rules/resize.cases.js';

describe('Resize emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it.each(policyCases)('refuses a keep_aspect_ratio_policy other than stretch, naming the node: $name', ({ spec }) => {
    const proto = spec.nodes[0]!;
    const n = { index: 0, proto, name: 'resize', opType: 'Resize', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const sizes = spec.constants!.find((t) => t.name === 'sizes')!;
    const shapes = new Map<string, readonly number[]>([['x', spec.params.x!.dims], ['y', [1, 2, 10, 14]], ['sizes', sizes.dims.map(Number)]]);
    const ctx = new GraphEmitter(shapes).context({ node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true], opset: 18 });
    expect(() => resize.emit!(ctx)).toThrow(UnsupportedError);
    expect(() => resize.emit!(ctx)).toThrow(/'resize'.*keep_aspect_ratio_policy/);
  });

  it('builds the maps from scales that are constants of the model, and probes the node for scales computed at run time', async () => {
    // scales made by a Mul: read at run time, so each changed axis is probed
    const spec: GraphSpec = {
      nodes: [node('Mul', ['s', 'one'], ['scales']), node('Resize', ['x', '', 'scales'], ['y'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, { name: 'resize' })],
      params: { x: { dims: [1, 2, 4, 5] } },
      constants: [floatTensor('s', [4], [1, 1, 2, 1.6]), floatTensor('one', [4], [1, 1, 1, 1])],
      output: 'y',
      opsetVersion: 13,
    };
    await expectEmitterMatches(spec);
    const probes = (scales: number[], asConstant: boolean) => {
      const proto = node('Resize', ['x', '', 'scales'], ['y'], { mode: 'linear' }, { name: 'resize' });
      const n = { index: 0, proto, name: 'resize', opType: 'Resize', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
      const shapes = new Map<string, readonly number[]>([['x', [1, 2, 8, 5]], ['y', [1, 2, 8, 10]], ['scales', [4]]]);
      const e = new GraphEmitter(shapes, 'grad', asConstant ? { constant: (v) => (v === 'scales' ? floatTensor('scales', [4], scales) : undefined) } : {});
      resize.emit!(e.context({ node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true], opset: 13 }));
      return e.nodes.filter((m) => m.op_type === 'Resize').length;
    };
    expect([probes([1, 1, 1, 2], true), probes([1, 1, 1.05, 2], true), probes([1, 1, 1.05, 2], false)]).toEqual([0, 0, 1]);
  });

  it("refuses a mode it does not know, naming the node", () => {
    const proto = node('Resize', ['x', '', '', 'sizes'], ['y'], { mode: 'area' }, { name: 'shrink' });
    const n = { index: 0, proto, name: 'shrink', opType: 'Resize', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const shapes = new Map<string, readonly number[]>([['x', [1, 1, 4, 4]], ['y', [1, 1, 2, 2]], ['sizes', [4]]]);
    const ctx = new GraphEmitter(shapes).context({ node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true], opset: 13 });
    expect(() => resize.emit!(ctx)).toThrow(/'shrink'.*'area'/);
  });
});
