/**
 * The classic MATLAB toolbox's recipe on models/cnn-6c2s12c2s.onnx: plain SGD
 * on the paper's mse at lr 1, batch 50, 8 epochs (1,280 steps) must reach
 * ≤ 12% test error on the 2,000 held-out digits, the bar that toolbox asserts.
 */
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/node/model-file.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner } from '../../src/train/tuner.js';
import { evaluate, fit } from '../../src/train/fit.js';
import { loadMnist } from '../../src/train/data/mnist.js';

describe('6c-2s-12c-2s with the toolbox recipe', () => {
  it('reaches ≤ 12% test error within 8 epochs', async () => {
    const { train, test } = loadMnist();
    const tuner = await Tuner.create(await loadModelFile('models/cnn-6c2s12c2s.onnx'), nodeBackend, { loss: 'mse', optimizer: 'sgd', lr: 1 });
    const result = await fit(tuner, train, { epochs: 8, batchSize: 50, seed: 0 });
    expect(result.steps).toBe(1280);
    const { accuracy } = await evaluate(tuner, test);
    expect(1 - accuracy).toBeLessThanOrEqual(0.12);
    await tuner.dispose();
  }, 300_000);
});
