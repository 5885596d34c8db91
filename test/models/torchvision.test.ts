/**
 * Whole-model gradients of real PyTorch exports against torch autograd.
 *
 * test/fixtures/torch/ holds torchvision architectures (resnet18, mobilenet_v2,
 * mobilenet_v3_small, shufflenet_v2, efficientnet_b0, mnasnet, regnet,
 * squeezenet, googlenet) at reduced width, a small U-Net, a LayerNorm + GELU
 * model and a Conv1d audio model, each exported by PyTorch 1.13 at several
 * opsets with BatchNorm kept as nodes, together with torch's float64 loss and
 * gradients on a fixed batch (scripts/torch-fixtures/make_fixtures.py writes
 * them; the manifests say how). For every export this checks, on both backward
 * paths, edgetune's loss and the gradient of every torch parameter, and that a
 * few SGD steps through Tuner run on the compiled step and lower the loss.
 */
import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { trainingReport } from '../../src/grad/training-report.js';
import { gradcheck } from '../../src/grad/gradcheck.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner } from '../../src/train/tuner.js';
import { compareGradients, loadFixture, relativeDifference, torchFixtures, type TorchFixture } from './torch-fixtures.js';

/**
 * The reference is the float64 model on the same float32 inputs and weights;
 * ONNX Runtime's float32 forward pass rounds each value to ~6e-8 relative and
 * sums of a few thousand products (the largest reductions here) drift by
 * ~1e-6 relative at most: the fixtures' losses agree to ≤ 2e-7, far inside this.
 */
const LOSS_TOLERANCE = 1e-4;

/**
 * Per parameter, max|g − ref| / max(max|ref|, floor). A float32 backward pass
 * accumulates rounding through some tens of layers and through sums over the
 * batch and every spatial position (up to ~10⁴ terms): the worst case seen on
 * these fixtures is 5e-6 (googlenet, a BatchNorm scale deep in the network;
 * most are below 1e-6), so 1e-3 leaves a wide margin for other float32
 * kernels and summation orders while a wrong rule (a wrong factor, a missing
 * or extra term, a mis-indexed axis) is off by 1e-2 or more.
 */
const GRADIENT_TOLERANCE = 1e-3;

/**
 * Where a parameter's whole gradient is tiny next to the model's largest
 * (a BatchNorm shift behind a mostly dead ReLU, say), its relative error is
 * rounding noise from the larger terms it cancels against; such a
 * parameter is scaled by this fraction of the largest reference gradient.
 */
const FLOOR_FRACTION = 1e-3;

/**
 * The SGD losses are the same model evaluated after float32 and float64
 * updates; the chosen learning rates descend gently (make_fixtures.py keeps the
 * loss above half its start), so the two trajectories stay close: ≤ 4e-7
 * apart on these fixtures.
 */
const FINETUNE_TOLERANCE = 1e-4;

const FIXTURE_TIMEOUT = 180_000;

function trainable(fx: TorchFixture): string[] {
  return fx.export.params.map((p) => p.onnx);
}

describe.each(torchFixtures())('$name', (fx) => {
  it('inspect: the parameters trained by default are exactly torch\'s, and every op on the gradient path has a rule', async () => {
    const f = await loadFixture(fx);
    const report = trainingReport(f.model);
    expect(report.missing).toEqual([]);
    expect(report.problem).toBeUndefined();
    expect([...report.trainable].sort()).toEqual(trainable(fx).sort());
    expect(report.tied).toEqual([]);
  });

  it.each(['typescript', 'compiled'] as const)('loss and gradients match torch autograd (%s backward)', async (backward) => {
    const f = await loadFixture(fx);
    expect(fx.export.unmatched, 'torch parameters the fixture script could not find in the export').toEqual([]);
    const engine = await GradientEngine.create(f.model, nodeBackend, { loss: 'cross-entropy', backward, trainable: trainable(fx) });
    try {
      const r = await engine.gradients(f.feeds, f.target, engine.currentWeights());
      expect(relativeDifference(r.loss, fx.manifest.loss), `loss ${r.loss} vs torch ${fx.manifest.loss}`).toBeLessThan(LOSS_TOLERANCE);
      const { errors, missing } = compareGradients(fx.export.params, r.grads, f.grads, FLOOR_FRACTION);
      expect(missing, 'parameters torch trains without an edgetune gradient').toEqual([]);
      const worst = errors.slice(0, 3).map((e) => `${e.name} ${e.error.toExponential(2)} (max|ref| ${e.maxRef.toExponential(2)})`).join(', ');
      expect(errors[0]!.error, `worst: ${worst}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    } finally {
      await engine.dispose();
    }
  }, FIXTURE_TIMEOUT);

  it('SGD steps through Tuner run on the compiled step and lower the loss', async () => {
    const ft = fx.manifest.finetune;
    expect(ft, 'the fixture script found no learning rate that lowers the loss').not.toBeNull();
    const f = await loadFixture(fx);
    const notices: string[] = [];
    const tuner = await Tuner.create(f.model, nodeBackend, {
      loss: 'cross-entropy', optimizer: 'sgd', lr: ft!.lr, trainable: trainable(fx), onNotice: (m) => notices.push(m),
    });
    try {
      expect(tuner.backwardPath, notices.join('; ')).toBe('compiled');
      const batch = { feeds: f.feeds, target: f.target };
      const before = await tuner.engine.lossOnly(f.feeds, f.target, tuner.weights);
      const losses: number[] = [];
      for (let s = 0; s < ft!.steps; s++) {
        const info = await tuner.trainStep(batch);
        expect(info.skipped, `step ${s} skipped (loss ${info.loss})`).toBe(false);
        losses.push(info.loss);
      }
      // a compiled step that cannot be built falls back to the rules with a notice
      expect(tuner.backwardPath, notices.join('; ')).toBe('compiled');
      expect(notices.filter((n) => /typescript/i.test(n))).toEqual([]);
      const after = await tuner.engine.lossOnly(f.feeds, f.target, tuner.weights);
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before);
      losses.push(after);
      losses.forEach((l, s) => {
        expect(relativeDifference(l, ft!.losses[s]!), `loss after ${s} steps: ${l} vs torch ${ft!.losses[s]}`).toBeLessThan(FINETUNE_TOLERANCE);
      });
    } finally {
      await tuner.dispose();
    }
  }, FIXTURE_TIMEOUT);
});

/**
 * gradcheck (central differences through ONNX Runtime, with kink detection)
 * passes the correct whole-model gradients of the ReLU/MaxPool architectures,
 * at opset 13, at the CLI's tolerance: they put many coordinates within a step
 * of a switch, which gradcheck detects and skips rather than report as
 * errors. (The other fixtures pass as well; with a few hundred parameter
 * tensors each they take most of a minute apiece, so the suite checks these.)
 */
const KINKY = ['resnet18', 'googlenet', 'squeezenet', 'regnet', 'unet', 'audio_conv1d', 'mobilenet_v2'];

describe('gradcheck passes the ReLU / MaxPool architectures', () => {
  const opset13 = torchFixtures().filter((fx) => fx.export.opset === 13 && KINKY.some((k) => fx.name.startsWith(`${k}-`)));
  it.each(opset13.map((fx) => [fx.name, fx] as const))('%s', async (_name, fx) => {
    const f = await loadFixture(fx);
    const engine = await GradientEngine.create(f.model, nodeBackend, { loss: 'cross-entropy', trainable: trainable(fx) });
    try {
      const report = await gradcheck(engine, f.feeds, f.target, { samples: 6, seed: 1, tolerance: 0.05 });
      const bad = report.params.filter((p) => p.maxError > 0.05).map((p) => `${p.name} ${p.maxError.toFixed(3)}`);
      expect(opset13.length).toBe(KINKY.length);
      expect(report.ok, bad.join(', ')).toBe(true);
    } finally {
      await engine.dispose();
    }
  }, FIXTURE_TIMEOUT);
});

