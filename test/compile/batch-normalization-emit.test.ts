import { describe, expect, it } from 'vitest';
import { GraphEmitter } from '../../src/compile/emit.js';
import { UnsupportedError } from '../../src/errors.js';
import { batchNormalization } from '../../src/grad/rules/batch-normalization.js';
import { Attrs } from '../../src/graph/attributes.js';
import type { NodeView } from '../../src/graph/graph.js';
import { floatTensor, node, type AttrValue } from '../../src/onnx/builder.js';
import type { NodeProto } from '../../src/onnx/types.js';
import { Rng } from '../../src/train/rng.js';
import type { GraphSpec } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';

function stats(c: number, seed: number): { mean: number[]; variance: number[] } {
  const rng = new Rng(seed);
  return {
    mean: Array.from({ length: c }, () => rng.next() - 0.5),
    variance: Array.from({ length: c }, () => 0.3 + rng.next()),
  };
}

function view(proto: NodeProto): NodeView {
  return {
    index: 0, proto, name: proto.name ?? '', opType: proto.op_type ?? '', domain: '',
    inputs: proto.input, outputs: proto.output, attrs: new Attrs(proto),
  };
}

function bnSpec(dims: number[], attrs: Record<string, AttrValue> = {}, opsetVersion = 17): GraphSpec {
  const c = dims[1]!;
  const { mean, variance } = stats(c, c);
  return {
    nodes: [node('BatchNormalization', ['x', 'scale', 'b', 'mean', 'var'], ['y'], attrs)],
    params: { x: { dims }, scale: { dims: [c] }, b: { dims: [c] } },
    constants: [floatTensor('mean', [c], mean), floatTensor('var', [c], variance)],
    output: 'y',
    opsetVersion,
  };
}

describe('BatchNormalization emitter', () => {
  it('gives X, scale and B gradients on an [N,C,H,W] input', async () => {
    await expectEmitterMatches(bnSpec([3, 4, 5, 2]));
  });

  it('handles [N,C] and [N,C,L] inputs and a large epsilon', async () => {
    await expectEmitterMatches(bnSpec([5, 3]));
    await expectEmitterMatches(bnSpec([2, 3, 7], { epsilon: { float: 0.5 } }));
  });

  it('handles the opset 9 form and an explicit training_mode = 0 (opset 15)', async () => {
    await expectEmitterMatches(bnSpec([2, 3, 4, 3], {}, 9));
    await expectEmitterMatches(bnSpec([2, 3, 4, 3], { training_mode: 0, momentum: { float: 0.8 } }, 15));
  });

  it('handles per-activation statistics with spatial = 0 (opset 7)', async () => {
    const { mean, variance } = stats(12, 5);
    await expectEmitterMatches({
      nodes: [node('BatchNormalization', ['x', 'scale', 'b', 'mean', 'var'], ['y'], { spatial: 0 })],
      params: { x: { dims: [2, 3, 4] }, scale: { dims: [3, 4] }, b: { dims: [3, 4] } },
      constants: [floatTensor('mean', [3, 4], mean), floatTensor('var', [3, 4], variance)],
      output: 'y',
      opsetVersion: 7,
    });
  });

  it('trains scale alone behind a frozen input', async () => {
    const spec = bnSpec([2, 3, 4, 3]);
    const { mean, variance } = stats(3, 3);
    await expectEmitterMatches({
      ...spec,
      params: { scale: { dims: [3] } },
      constants: [floatTensor('x', [2, 3, 4, 3], Array.from({ length: 72 }, (_, i) => Math.sin(i))), floatTensor('b', [3], [0.1, -0.2, 0.3]),
        floatTensor('mean', [3], mean), floatTensor('var', [3], variance)],
    });
  });

  it('refuses training mode, naming the node', () => {
    const shapes = new Map<string, readonly number[]>([['x', [1, 2]], ['s', [2]], ['y', [1, 2]]]);
    const ctxFor = (n: NodeView, opset: number) => new GraphEmitter(shapes).context({
      node: n, inputs: n.inputs, outputs: n.outputs, gradOutputs: ['dy'], needs: [true, false, false, false, false], opset,
    });
    const n = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { training_mode: 1 }, { name: 'bn1' }));
    expect(() => batchNormalization.emit!(ctxFor(n, 15))).toThrow(UnsupportedError);
    expect(() => batchNormalization.emit!(ctxFor(n, 15))).toThrow(/'bn1'/);
    const legacy = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'], {}, { name: 'bn9' }));
    expect(() => batchNormalization.emit!(ctxFor(legacy, 9))).toThrow(/'bn9'.*training/);
  });
});
