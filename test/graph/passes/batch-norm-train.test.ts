/**
 * BatchNormalization in training mode (`batchNorm: 'train'`) against PyTorch
 * 1.13 in train mode (test/fixtures/torch-bn, made by
 * scripts/torch-fixtures/make_bn_train.py): the loss, every parameter's
 * gradient (float64 autograd reference) and the running statistics after one
 * step, on both backward paths; the running statistics are written back by
 * commit(), carried by checkpoints, and used for predictions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../../src/grad/engine.js';
import { readNpy } from '../../../src/io/npy.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { loadModelFile } from '../../../src/node/model-file.js';
import { encodeModel } from '../../../src/onnx/model-io.js';
import type { HostTensor } from '../../../src/runtime/host-tensor.js';
import { Session } from '../../../src/runtime/session.js';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/train/checkpoint.js';
import { Tuner } from '../../../src/train/tuner.js';

const DIR = 'test/fixtures/torch-bn';
interface Entry { name: string; dims: number[]; offset: number }
const manifest = JSON.parse(readFileSync(`${DIR}/bn-net.json`, 'utf8')) as { loss: number; params: Entry[]; running: Entry[] };

async function fixture() {
  const model = await loadModelFile(`${DIR}/bn-net.onnx`);
  const x = await readNpy(`${DIR}/x.npy`);
  const labels = await readNpy(`${DIR}/labels.npy`);
  const grads = (await readNpy(`${DIR}/grads.npy`)).data as Float32Array;
  const running = (await readNpy(`${DIR}/running.npy`)).data as Float32Array;
  const feeds: Record<string, HostTensor> = { image: { dims: x.shape, data: x.data as Float32Array } };
  const target: HostTensor = { dims: labels.shape, data: labels.data as BigInt64Array };
  const slice = (all: Float32Array, e: Entry) => all.subarray(e.offset, e.offset + e.dims.reduce((a, b) => a * b, 1));
  return { model, feeds, target, grad: (e: Entry) => slice(grads, e), run: (e: Entry) => slice(running, e) };
}

/**
 * max |a − b| over max |b|, floored (by default 1e-6; for gradients 1e-3 × the
 * model's largest reference gradient, as in test/models/torchvision.test.ts:
 * a conv bias before a batch-statistics BatchNorm has a gradient of exactly 0,
 * which float32 resolves only to rounding).
 */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let scale = floor, err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

describe.each(['typescript', 'compiled'] as const)('BatchNormalization with batch statistics (%s backward)', (backward) => {
  it('loss and every gradient match PyTorch in train mode', async () => {
    const f = await fixture();
    const engine = await GradientEngine.create(f.model, nodeBackend, { loss: 'cross-entropy', batchNorm: 'train', backward });
    try {
      const r = await engine.gradients(f.feeds, f.target, engine.currentWeights());
      expect(Math.abs(r.loss - manifest.loss)).toBeLessThanOrEqual(1e-4 * manifest.loss);
      expect(engine.params.map((p) => p.name).sort()).toEqual(manifest.params.map((p) => p.name).sort());
      const floor = 1e-3 * Math.max(...manifest.params.map((p) => Math.max(...Array.from(f.grad(p), Math.abs))));
      for (const p of manifest.params) expect(relErr(r.grads.get(p.name)!, f.grad(p), floor), p.name).toBeLessThanOrEqual(1e-3);
    } finally {
      await engine.dispose();
    }
  });

  it('a step updates the running statistics as PyTorch does, commit() writes them, predictions use them', async () => {
    const f = await fixture();
    const tuner = await Tuner.create(f.model, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, batchNorm: 'train', backward });
    expect(tuner.backwardPath).toBe(backward);
    const info = await tuner.trainStep({ feeds: f.feeds, target: f.target });
    expect(info.skipped).toBe(false);
    for (const s of manifest.running) expect(relErr(tuner.engine.running.get(s.name)!, f.run(s)), s.name).toBeLessThanOrEqual(1e-4);
    const predicted = await tuner.predict(f.feeds);
    await tuner.commit();
    await tuner.dispose();
    for (const s of manifest.running) expect(relErr(f.model.readFloat(s.name), f.run(s)), s.name).toBeLessThanOrEqual(1e-4);
    // the committed model, run as inference (running statistics), gives what the tuner predicted
    const session = await Session.create(nodeBackend, encodeModel(f.model.runtimeProto()), f.model.inputs, { label: 'bn-net.onnx' });
    const out = (await session.run(f.feeds))['logits']!.data as Float32Array;
    await session.dispose();
    expect(relErr(predicted, out)).toBeLessThanOrEqual(1e-5);
  });
});

describe('BatchNormalization modes', () => {
  it('frozen (the default) differs from train mode: it normalises with the running statistics', async () => {
    const f = await fixture();
    const engine = await GradientEngine.create(f.model, nodeBackend, { loss: 'cross-entropy' });
    const r = await engine.gradients(f.feeds, f.target, engine.currentWeights());
    await engine.dispose();
    expect(Math.abs(r.loss - manifest.loss)).toBeGreaterThan(1e-3);
    expect(engine.running.size).toBe(0);
  });

  it('checkpoints carry the running statistics', () => {
    const running = new Map([['b1.running_mean', Float32Array.of(0.5, -1)], ['b1.running_var', Float32Array.of(2, 3)]]);
    const state = { step: 3, epoch: 0, batchInEpoch: 3, rngState: [1, 2, 3, 4], weights: new Map([['w', Float32Array.of(1)]]), optimizer: new Map([['w', { step: 3, slots: {} }]]), config: 'c', running };
    const back = decodeCheckpoint(encodeCheckpoint(state, new Map([['w', [1]]])), 'ck');
    expect(back.running).toEqual(running);
    expect([...back.optimizer.keys()]).toEqual(['w']);
  });
});
