import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { batchNormalization } from '../../../src/grad/rules/batch-normalization.js';
import { node } from '../../../src/onnx/builder.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { buildSpecModel, expectGradientsMatch } from '../../helpers/check-gradients.js';
import { bnSpec, cases, view } from './batch-normalization.cases.js';

describe('BatchNormalization rule', () => {
  it.each(cases)('matches central differences: $name', async ({ spec, opts }) => {
    await expectGradientsMatch(spec, opts);
  });

  it('never trains the running mean and variance, even as float initializers', async () => {
    const model = buildSpecModel(bnSpec([2, 3, 4, 3]));
    // by default only the parameters (scale and B); asked to train every float initializer, X as well, never the statistics
    for (const [trainable, want] of [[undefined, ['b', 'scale']], [['*'], ['b', 'scale', 'x']]] as const) {
      const engine = await GradientEngine.create(model, nodeBackend, { loss: 'mse', output: 'y', ...(trainable ? { trainable } : {}) });
      try {
        expect(engine.params.map((p) => p.name).sort()).toEqual(want);
      } finally {
        await engine.dispose();
      }
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
