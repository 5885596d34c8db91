import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { OnnxModel } from '../../src/model.js';
import { augmentedSource } from '../../src/train/augmented.js';
import { folderCheckpoints } from '../../src/train/checkpoint.js';
import type { Dataset } from '../../src/train/data/dataset.js';
import { fit } from '../../src/train/fit.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner } from '../../src/train/tuner.js';
import { randoms } from './fixtures.js';

const same = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

/** x [N,1,8,8] → Conv(3×3, 2 maps) → Relu → Flatten → Gemm(72→3). */
function tinyConv(): OnnxModel {
  const rng = new Rng(11);
  const g = graph('tiny-conv', [
    node('Conv', ['x', 'Wc', 'bc'], ['c']),
    node('Relu', ['c'], ['r']),
    node('Flatten', ['r'], ['f'], { axis: 1 }),
    node('Gemm', ['f', 'Wg', 'bg'], ['y']),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 8, 8])], [valueInfo('y', DataType.FLOAT, ['N', 3])], [
    floatTensor('Wc', [2, 1, 3, 3], randoms(18, rng)), floatTensor('bc', [2], randoms(2, rng, 0.1)),
    floatTensor('Wg', [72, 3], randoms(216, rng, 0.2)), floatTensor('bg', [3], randoms(3, rng, 0.1)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'tiny-conv.onnx');
}

/** n 8×8 images: a bright bar whose side depends on the label, plus noise. */
function bars(n: number): Dataset {
  const rng = new Rng(3);
  const x = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < 64; p++) x[i * 64 + p] = 0.2 * rng.normal() + ((p % 8) >> 1 === labels[i]! ? 1 : 0);
  }
  return { name: 'bars', size: n, sampleShape: [1, 8, 8], x, labels, classes: ['a', 'b', 'c'] };
}

const tuner = () => Tuner.create(tinyConv(), nodeBackend, { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });

describe('augmented training data', () => {
  it('an interrupted and resumed run ends on the weights of the uninterrupted one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgetune-aug-ckpt-'));
    try {
      const data = bars(36);
      const opts = { epochs: 3, batchSize: 8, seed: 4 };
      const full = await tuner();
      await fit(full, augmentedSource(full, data, 'all', 7), opts);
      // augmentation changes the run: the same run without it ends elsewhere
      const plain = await tuner();
      await fit(plain, data, opts);
      expect([...full.weights].every(([name, w]) => same(plain.weights.get(name)!, w))).toBe(false);

      // stopped in the second epoch, then resumed with a new source, as a new process would make it
      const first = await tuner();
      const part = await fit(first, augmentedSource(first, data, 'all', 7), { ...opts, checkpoints: folderCheckpoints(dir), stopAfterSteps: 7 });
      expect(part.stopped).toBe(true);
      // another augmentation, or another seed for it, does not continue that run
      for (const [mode, seed] of [['flip', 7], ['all', 8]] as const) {
        const other = await tuner();
        await expect(fit(other, augmentedSource(other, data, mode, seed), { ...opts, resumeFrom: folderCheckpoints(dir) })).rejects.toThrow(/made with other options or data/);
        await other.dispose();
      }
      const resumed = await tuner();
      await fit(resumed, augmentedSource(resumed, data, 'all', 7), { ...opts, checkpoints: folderCheckpoints(dir), resumeFrom: folderCheckpoints(dir) });
      expect(resumed.step).toBe(full.step);
      for (const [name, w] of full.weights) expect(same(resumed.weights.get(name)!, w), name).toBe(true);
      for (const t of [full, plain, first, resumed]) await t.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("draws a batch's crops and flips from its place in the run, whatever was drawn before", async () => {
    const data = bars(12);
    const t = await tuner();
    const a = augmentedSource(t, data, 'all', 7);
    const b = augmentedSource(t, data, 'all', 7);
    const rows = [0, 1, 2, 3];
    const x = async (s: typeof a, at?: { epoch: number; batchInEpoch: number }) => (await s.batch(rows, at)).feeds[t.inputName]!.data as Float32Array;
    await x(b, { epoch: 0, batchInEpoch: 0 });
    await x(b);
    const here = await x(a, { epoch: 1, batchInEpoch: 2 });
    expect(same(await x(b, { epoch: 1, batchInEpoch: 2 }), here)).toBe(true);
    expect(same(await x(a, { epoch: 1, batchInEpoch: 3 }), here)).toBe(false);
    expect(same(await x(a, { epoch: 2, batchInEpoch: 2 }), here)).toBe(false);
    expect(same(await x(augmentedSource(t, data, 'all', 8), { epoch: 1, batchInEpoch: 2 }), here)).toBe(false);
    await t.dispose();
  });
});
