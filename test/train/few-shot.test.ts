/**
 * Few-shot personalisation, the README's example: LeNet-5 trained on digits
 * 0–4 (mse), then only its last layer trained on 50 examples of each of the
 * digits 5–9 (re-using the 10-way head) reaches ≥ 90% on the held-out 5–9.
 */
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/node/model-file.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner } from '../../src/train/tuner.js';
import { evaluate, fit } from '../../src/train/fit.js';
import { loadMnist } from '../../src/train/data/mnist.js';
import { filterClasses, takePerClass, type Dataset } from '../../src/train/data/dataset.js';

const normalise = (d: Dataset): Dataset => ({ ...d, x: Float32Array.from(d.x, (v) => (v - 0.1307) / 0.3081) });

describe('few-shot personalisation', () => {
  it('a head trained on 50 digits per new class reaches 90% on held-out 5–9', async () => {
    const { train, test } = loadMnist();
    const tr = normalise(train), te = normalise(test);
    const model = await loadModelFile('models/lenet5.onnx');

    const base = await Tuner.create(model, nodeBackend, { loss: 'mse', optimizer: 'adam', lr: 1e-3 });
    await fit(base, filterClasses(tr, [0, 1, 2, 3, 4]), { epochs: 10, batchSize: 32, seed: 1 });
    expect((await evaluate(base, filterClasses(te, [0, 1, 2, 3, 4]))).accuracy).toBeGreaterThan(0.97);
    await base.commit();
    await base.dispose();

    const head = await Tuner.create(model, nodeBackend, { loss: 'mse', optimizer: 'adam', lr: 0.01, trainAfter: 'F6_act' });
    expect(head.params.map((p) => p.name).sort()).toEqual(['OUT.bias', 'OUT.weight']);
    const newDigits = [5, 6, 7, 8, 9];
    const before = await evaluate(head, filterClasses(te, newDigits));
    await fit(head, takePerClass(filterClasses(tr, newDigits), 50), { epochs: 150, batchSize: 50, seed: 0 });
    const after = await evaluate(head, filterClasses(te, newDigits));
    expect(before.accuracy).toBeLessThan(0.2);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.9);
    await head.dispose();
  });
});
