import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { nodeBackend } from '../../src/node/backend.js';
import { Model } from '../../src/node/model.js';
import { saveModel } from '../../src/node/model-file.js';
import { NumericalError } from '../../src/errors.js';
import { decodeModel, encodeModel } from '../../src/onnx/model-io.js';
import { Tuner } from '../../src/train/tuner.js';
import { evaluate, fit, makeBatch } from '../../src/train/fit.js';
import { folderCheckpoints } from '../../src/train/checkpoint.js';
import { blobs, mlp } from './fixtures.js';

const same = (a: Float32Array, b: Float32Array) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

describe('Tuner', () => {
  it.each(['typescript', 'compiled'] as const)('plain SGD is W ← W − lr·∂L/∂W on the in-order first batch (%s backward)', async (backward) => {
    const m = mlp();
    const data = blobs(10);
    const tuner = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.3, backward });
    const batch = makeBatch(tuner, data, [0, 1, 2, 3]);
    const before = new Map(tuner.weights);
    const { grads } = await tuner.engine.gradients(batch.feeds, batch.target, before);
    await fit(tuner, data, { epochs: 1, batchSize: 4, shuffle: false, stopAfterSteps: 1 });
    for (const [name, w] of before) {
      const g = grads.get(name)!;
      const want = Float32Array.from(w, (v, i) => v - 0.3 * g[i]!);
      const got = tuner.weights.get(name)!;
      // The TypeScript step rounds once; the compiled one rounds lr·g and then the difference, in float32.
      if (backward === 'typescript') expect(same(got, want), name).toBe(true);
      else want.forEach((v, i) => expect(Math.abs(got[i]! - v), name).toBeLessThanOrEqual(2 * Math.abs(v) * 2 ** -23 + 1e-7 * 0.3));
    }
    await tuner.dispose();
  });

  it('reports the gradient norm with trackGradNorm or clipping; the compiled step leaves it out otherwise', async () => {
    const data = blobs(8);
    const norms: (number | undefined)[] = [];
    for (const opts of [{ backward: 'typescript' }, { backward: 'compiled', trackGradNorm: true }, { backward: 'compiled', maxGradNorm: 1e6 }, { backward: 'compiled' }] as const) {
      const tuner = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, ...opts });
      norms.push((await tuner.trainStep(makeBatch(tuner, data, [0, 1, 2, 3]))).gradNorm);
      await tuner.dispose();
    }
    const [ts, tracked, clipped, plain] = norms;
    expect(ts).toBeGreaterThan(0);
    expect(Math.abs(tracked! - ts!)).toBeLessThanOrEqual(1e-5 * ts!);
    expect(Math.abs(clipped! - ts!)).toBeLessThanOrEqual(1e-5 * ts!);
    expect(plain).toBeUndefined();
  });

  it('learns: loss falls and accuracy rises on separable data', async () => {
    const tuner = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05 });
    const data = blobs(90);
    const before = await evaluate(tuner, data);
    await fit(tuner, data, { epochs: 15, batchSize: 16, seed: 1 });
    const after = await evaluate(tuner, data);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(after.accuracy).toBeGreaterThan(0.9);
    await tuner.dispose();
  });

  it('an interrupted and resumed run ends on bit-identical weights', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgetune-ckpt-'));
    try {
      const data = blobs(50);
      const opts = { epochs: 3, batchSize: 8, seed: 4 };
      const full = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.01 });
      await fit(full, data, opts);

      const first = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.01 });
      const part = await fit(first, data, { ...opts, checkpoints: folderCheckpoints(dir), stopAfterSteps: 10 });
      expect(part.stopped).toBe(true);
      await first.dispose();
      expect((await readdir(dir)).some((f) => f.startsWith('checkpoint-'))).toBe(true);

      const resumed = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.01 });
      await fit(resumed, data, { ...opts, checkpoints: folderCheckpoints(dir), resumeFrom: folderCheckpoints(dir) });
      expect(resumed.step).toBe(full.step);
      for (const [name, w] of full.weights) expect(same(resumed.weights.get(name)!, w), name).toBe(true);
      for (const [name, s] of full.states) {
        for (const [slot, v] of Object.entries(s.slots)) expect(same(resumed.states.get(name)!.slots[slot]!, v), `${name}/${slot}`).toBe(true);
      }
      await full.dispose();
      await resumed.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('same seed and data give bit-identical weights; two tuners in one process do not interfere', async () => {
    const data = blobs(40);
    const a = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });
    const b = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });
    await Promise.all([fit(a, data, { epochs: 2, batchSize: 8, seed: 9 }), fit(b, data, { epochs: 2, batchSize: 8, seed: 9 })]);
    for (const [name, w] of a.weights) expect(same(b.weights.get(name)!, w), name).toBe(true);
    await a.dispose();
    await b.dispose();
  });

  it('frozen parameters stay bit-identical; --train-after trains only the head', async () => {
    const data = blobs(30);
    const m = mlp();
    const w1 = m.readFloat('W1').slice();
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', lr: 0.05, frozen: ['W*'] });
    expect(t.params.map((p) => p.name).sort()).toEqual(['b1', 'b2']);
    await fit(t, data, { epochs: 1, batchSize: 8 });
    await t.commit();
    expect(same(m.readFloat('W1'), w1)).toBe(true);
    await t.dispose();

    const head = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', lr: 0.05, trainAfter: 'act1' });
    expect(head.params.map((p) => p.name).sort()).toEqual(['W2', 'b2']);
    await head.dispose();
  });

  it('writes back only the trained values: same structure, outputs equal to the in-memory model', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'edgetune-wb-'));
    try {
      const m = mlp();
      const original = mlp();
      const data = blobs(30);
      const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', lr: 0.05 });
      await fit(t, data, { epochs: 2, batchSize: 8 });
      await t.commit();
      const out = path.join(dir, 'tuned.onnx');
      await saveModel(m, out);
      const loaded = await Model.load(out);
      const g0 = decodeModel(encodeModel(original.proto)).graph!, g1 = loaded.onnx.graph;
      expect(g1.node).toEqual(g0.node);
      expect(g1.input).toEqual(g0.input);
      expect(g1.output).toEqual(g0.output);
      expect(loaded.onnx.proto.opset_import).toEqual(decodeModel(encodeModel(original.proto)).opset_import);
      expect(g1.initializer.map((i) => [i.name, i.dims.map(Number), i.data_type])).toEqual(g0.initializer.map((i) => [i.name, i.dims.map(Number), i.data_type]));
      const meta = loaded.onnx.proto.metadata_props.map((p) => p.key);
      expect(meta).toEqual(['author', 'edgetune.finetune']);
      const batch = makeBatch(t, data, [0, 1, 2, 3, 4]);
      const mem = await t.predict(batch.feeds);
      const file = await loaded.run(batch.feeds);
      expect(Array.from(file.logits!.data as Float32Array)).toEqual(Array.from(mem));
      for (const name of ['W1', 'W2']) expect(same(loaded.onnx.readFloat(name), original.readFloat(name))).toBe(false);
      await loaded.dispose();
      await t.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips non-finite steps, keeps the last good weights, and stops after K in a row naming the parameter', async () => {
    const data = blobs(12);
    data.x.fill(Number.NaN, 0, 6 * 12);
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', lr: 0.05, maxBadSteps: 3 });
    const before = new Map([...t.weights].map(([k, v]) => [k, v.slice()]));
    const batch = makeBatch(t, data, [0, 1]);
    const info = await t.trainStep(batch);
    expect(info.skipped).toBe(true);
    for (const [k, v] of before) expect(same(t.weights.get(k)!, v)).toBe(true);
    await t.trainStep(batch);
    await expect(t.trainStep(batch)).rejects.toThrow(NumericalError);
    await expect(t.trainStep(batch)).rejects.toThrow(/first bad parameter: 'W1'/);
    await t.dispose();
  });

  it.each(['compiled', 'typescript'] as const)('refuses a label outside the output\'s classes before the step (%s backward)', async (backward) => {
    const tuner = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, backward });
    const before = new Map([...tuner.weights].map(([k, v]) => [k, v.slice()]));
    const batch = makeBatch(tuner, blobs(4), [0, 1]);
    const bad = { ...batch, target: { dims: [2], data: BigInt64Array.of(0n, 3n) } };
    await expect(tuner.trainStep(bad)).rejects.toThrow(/label 3 at row 1 of the batch is outside 0\.\.2/);
    for (const [k, v] of before) expect(same(tuner.weights.get(k)!, v), k).toBe(true);
    await tuner.dispose();
  });
});

