import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { valuesRead } from '../../src/compile/shapes.js';
import type { BackwardPlan } from '../../src/grad/plan.js';
import { UnsupportedError } from '../../src/errors.js';
import { resize } from '../../src/grad/rules/resize.js';
import { Attrs } from '../../src/graph/attributes.js';
import { OnnxModel } from '../../src/model.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { Rng } from '../../src/train/rng.js';
import type { Batch } from '../../src/train/tuner.js';
import { expectCompiledFollowsTypeScript } from '../helpers/compare-steps.js';
import { randoms } from '../train/fixtures.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import type { GraphSpec } from '../helpers/check-gradients.js';
import { cases, policyCases } from '../grad/rules/resize.cases.js';

/** Conv → Resize by scales a Mul makes (1.05 on an axis of 8 it keeps, 2 on the other) → Flatten → Gemm. */
function upsampledNet(): OnnxModel {
  const rng = new Rng(9);
  const g = graph('upsampled', [
    node('Conv', ['x', 'W1', 'b1'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Mul', ['s', 'one'], ['scales']),
    node('Resize', ['c', '', 'scales'], ['u'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }, { name: 'resize' }),
    node('Flatten', ['u'], ['f']),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 8, 3])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [2, 1, 3, 3], randoms(18, rng)), floatTensor('b1', [2], randoms(2, rng, 0.2)),
    floatTensor('s', [4], [1, 1, 1.05, 2]), floatTensor('one', [4], [1, 1, 1, 1]),
    floatTensor('W2', [3, 96], randoms(288, rng)), floatTensor('b2', [3], randoms(3, rng, 0.2)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'upsampled.onnx');
}

describe('Resize emitter', () => {
  it.each(cases)("gives the TypeScript rule's gradients: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it.each(policyCases)("gives the TypeScript rule's gradients for keep_aspect_ratio_policy with constant sizes: $name", async ({ spec }) => {
    await expectEmitterMatches(spec);
  });

  it.each(policyCases)('refuses a keep_aspect_ratio_policy other than stretch with sizes computed at run time, naming the node: $name', ({ spec }) => {
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
    const probes = (scales: number[], from: 'constant' | 'recorded' | 'unknown') => {
      const proto = node('Resize', ['x', '', 'scales'], ['y'], { mode: 'linear' }, { name: 'resize' });
      const n = { index: 0, proto, name: 'resize', opType: 'Resize', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
      const shapes = new Map<string, readonly number[]>([['x', [1, 2, 8, 5]], ['y', [1, 2, 8, 10]], ['scales', [4]]]);
      const e = new GraphEmitter(shapes, 'grad', from === 'constant'
        ? { constant: (v) => (v === 'scales' ? floatTensor('scales', [4], scales) : undefined) }
        : from === 'recorded' ? { recorded: new Map([['scales', scales]]) } : {});
      resize.emit!(e.context({ node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true], opset: 13 }));
      return e.nodes.filter((m) => m.op_type === 'Resize').length;
    };
    // constants: no probe; run-time values: the changed axis, and the kept one where the shape pass's values scale it
    expect([probes([1, 1, 1, 2], 'constant'), probes([1, 1, 1.05, 2], 'constant')]).toEqual([0, 0]);
    expect([probes([1, 1, 1, 2], 'recorded'), probes([1, 1, 1.05, 2], 'recorded'), probes([1, 1, 1.05, 2], 'unknown')]).toEqual([1, 2, 1]);
  });

  it('the compiled step follows the TypeScript step through scales computed at run time that keep an axis', async () => {
    const rng = new Rng(4);
    const batches: Batch[] = [0, 1, 2].map((k) => ({
      feeds: { x: { dims: [2, 1, 8, 3], data: Float32Array.from({ length: 48 }, () => rng.next() - 0.5) } },
      target: { dims: [2], data: BigInt64Array.from([BigInt(k % 3), BigInt((k + 1) % 3)]) },
    }));
    await expectCompiledFollowsTypeScript(upsampledNet, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.5 }, batches);
  });

  it('reads run-time scales and roi in the shape pass, and only those', () => {
    const scales = node('Resize', ['x', 'roi', 'scales', ''], ['y'], { mode: 'linear' }, { name: 'resize' });
    const view = { index: 0, proto: scales, name: 'resize', opType: 'Resize', domain: '', inputs: scales.input, outputs: scales.output, attrs: new Attrs(scales) };
    expect(resize.emitReads!(view, 13).map((k) => view.inputs[k])).toEqual(['scales', 'roi']);
    const plan = { steps: [{ node: view, rule: resize }] } as unknown as BackwardPlan;
    expect(valuesRead(plan, 13, (v) => v === 'roi')).toEqual(['scales']);
  });

  it("refuses a mode it does not know, naming the node", () => {
    const proto = node('Resize', ['x', '', '', 'sizes'], ['y'], { mode: 'area' }, { name: 'shrink' });
    const n = { index: 0, proto, name: 'shrink', opType: 'Resize', domain: '', inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto) };
    const shapes = new Map<string, readonly number[]>([['x', [1, 1, 4, 4]], ['y', [1, 1, 2, 2]], ['sizes', [4]]]);
    const ctx = new GraphEmitter(shapes).context({ node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true], opset: 13 });
    expect(() => resize.emit!(ctx)).toThrow(/'shrink'.*'area'/);
  });
});
