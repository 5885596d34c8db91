import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { batchNormalization } from '../../../src/grad/rules/batch-normalization.js';
import { Attrs } from '../../../src/graph/attributes.js';
import type { NodeView } from '../../../src/graph/graph.js';
import { floatTensor, node, type AttrValue } from '../../../src/onnx/builder.js';
import type { NodeProto } from '../../../src/onnx/types.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { Rng } from '../../../src/train/rng.js';
import { buildSpecModel, expectGradientsMatch, type GraphSpec } from '../../helpers/check-gradients.js';

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

describe('BatchNormalization rule', () => {
  it('matches central differences for X, scale and B on an [N,C,H,W] input', async () => {
    await expectGradientsMatch(bnSpec([3, 4, 5, 2]), { samples: 24 });
  });

  it('handles [N,C] and [N,C,L] inputs and a large epsilon', async () => {
    await expectGradientsMatch(bnSpec([5, 3]), { samples: 24 });
    await expectGradientsMatch(bnSpec([2, 3, 7], { epsilon: { float: 0.5 } }), { samples: 24 });
  });

  it('handles the opset 9 form and an explicit training_mode = 0 (opset 15)', async () => {
    await expectGradientsMatch(bnSpec([2, 3, 4, 3], {}, 9), { samples: 24 });
    await expectGradientsMatch(bnSpec([2, 3, 4, 3], { training_mode: 0, momentum: { float: 0.8 } }, 15), { samples: 24 });
  });

  it('handles per-activation statistics with spatial = 0 (opset 7)', async () => {
    const { mean, variance } = stats(12, 5);
    await expectGradientsMatch({
      nodes: [node('BatchNormalization', ['x', 'scale', 'b', 'mean', 'var'], ['y'], { spatial: 0 })],
      params: { x: { dims: [2, 3, 4] }, scale: { dims: [3, 4] }, b: { dims: [3, 4] } },
      constants: [floatTensor('mean', [3, 4], mean), floatTensor('var', [3, 4], variance)],
      output: 'y',
      opsetVersion: 7,
    }, { samples: 24 });
  });

  it('never trains the running mean and variance, even as float initializers', async () => {
    const model = buildSpecModel(bnSpec([2, 3, 4, 3]));
    const engine = await GradientEngine.create(model, nodeBackend, { loss: 'mse', output: 'y' });
    try {
      expect(engine.params.map((p) => p.name).sort()).toEqual(['b', 'scale', 'x']);
    } finally {
      await engine.dispose();
    }
  });

  it('refuses training mode, naming the node', () => {
    const n = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { training_mode: 1 }, { name: 'bn1' }));
    const ctx = { node: n, inputs: [], outputs: [], gradOutputs: [{ dims: [1, 1], data: new Float32Array(1) }], needs: [true, false, false, false, false], opset: 15 };
    expect(() => batchNormalization.vjp(ctx)).toThrow(UnsupportedError);
    expect(() => batchNormalization.vjp(ctx)).toThrow(/'bn1'/);
    const legacy = view(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'], {}, { name: 'bn9' }));
    expect(() => batchNormalization.vjp({ ...ctx, node: legacy, opset: 9 })).toThrow(/'bn9'.*training/);
  });

  it('differentiates X, scale and B only', () => {
    expect(batchNormalization.differentiable).toEqual([0, 1, 2]);
  });
});
