/**
 * Cached features: the split between frozen and trained layers, training on
 * the stored features against training the whole model on the same batches,
 * spilling to a file past the memory limit, and the file's removal.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, int64Tensor, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import type { Dataset } from '../../src/train/data/dataset.js';
import { FeatureCache, FeatureSplit, fitCached, splitForTuner, splitFrozenPrefix, type SpillFactory } from '../../src/train/feature-cache.js';
import { tempFileSpill } from '../../src/train/feature-spill.js';
import { evaluate, fit, type FitOptions, type Progress } from '../../src/train/fit.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner, type TunerOptions } from '../../src/train/tuner.js';
import { blobs, mlp } from './fixtures.js';

type Weights = Map<string, Float32Array>;

function maxDiff(a: Weights, b: Weights): number {
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  let m = 0;
  for (const [k, v] of a) v.forEach((x, i) => { m = Math.max(m, Math.abs(x - b.get(k)![i]!)); });
  return m;
}

function split(s: FeatureSplit | { reason: string }): FeatureSplit {
  if (!(s instanceof FeatureSplit)) throw new Error(`not split: ${s.reason}`);
  return s;
}

/**
 * x [N,1,6,6] → Conv(W1 4×1×3×3) → Relu → r [N,4,4,4] → Conv(W2 2×4×3×3) → h2
 * [N,2,2,2] → Reshape to [N, 8] with N read from r's shape through
 * Shape/Gather/Unsqueeze/Concat (as exporters write y.view(x.size(0), -1))
 * → Gemm(W3 3×8, b3) → logits [N,3]. Training W2, c2, W3, b3 cuts at r; the
 * shape arithmetic on r feeds a trained node and goes into the suffix.
 */
function convNet(): OnnxModel {
  const rng = new Rng(21);
  const r = (n: number, s: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * s);
  const g = graph('conv', [
    node('Conv', ['x', 'W1', 'c1'], ['h'], {}, { name: 'conv1' }),
    node('Relu', ['h'], ['r'], {}, { name: 'relu' }),
    node('Shape', ['r'], ['shape'], {}, { name: 'shape' }),
    node('Gather', ['shape', 'zero'], ['n'], { axis: 0 }, { name: 'batch' }),
    node('Unsqueeze', ['n', 'axes'], ['n1'], {}, { name: 'unsq' }),
    node('Concat', ['n1', 'minus1'], ['target'], { axis: 0 }, { name: 'cat' }),
    node('Conv', ['r', 'W2', 'c2'], ['h2'], {}, { name: 'conv2' }),
    node('Reshape', ['h2', 'target'], ['flat'], {}, { name: 'flatten' }),
    node('Gemm', ['flat', 'W3', 'b3'], ['logits'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 6, 6])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [4, 1, 3, 3], r(36, 0.5)), floatTensor('c1', [4], r(4, 0.1)),
    floatTensor('W2', [2, 4, 3, 3], r(72, 0.3)), floatTensor('c2', [2], r(2, 0.1)),
    floatTensor('W3', [3, 8], r(24, 0.3)), floatTensor('b3', [3], r(3, 0.1)),
    int64Tensor('zero', [], [0]), int64Tensor('axes', [1], [0]), int64Tensor('minus1', [1], [-1]),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'conv.onnx');
}

function images(n: number, shape: number[], classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * per }, () => rng.normal());
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  // a class-dependent offset so that there is something to learn
  for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) x[i * per + k]! += 0.5 * ((labels[i]! + k) % 3 - 1);
  return { name: `images-${seed}`, size: n, sampleShape: shape, x, labels };
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'edgetune-fc-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('splitFrozenPrefix', () => {
  it('cuts an MLP after its frozen first layer: the prefix computes the activation, the suffix reads it', async () => {
    const s = split(splitFrozenPrefix(mlp(), ['W2', 'b2']));
    expect(s.cut).toEqual(['a']);
    expect(s.prefix.graph.node.map((n) => n.name)).toEqual(['fc1', 'act1']);
    expect(s.prefix.graph.output.map((v) => v.name)).toEqual(['a']);
    expect(s.prefix.graph.initializer.map((t) => t.name).sort()).toEqual(['W1', 'b1']);
    const suffix = s.suffix(new Map([['a', [8]]]));
    expect(suffix.graph.node.map((n) => n.name)).toEqual(['fc2']);
    expect(suffix.inputs).toEqual([{ name: 'a', elemType: DataType.FLOAT, dims: ['N', 8] }]);
    expect(suffix.graph.initializer.map((t) => t.name).sort()).toEqual(['W2', 'b2']);
    expect(suffix.outputs.map((o) => o.name)).toEqual(['logits']);
  });

  it('keeps shape arithmetic in the suffix: the cut is the activation, not its shape', () => {
    const s = split(splitFrozenPrefix(convNet(), ['W2', 'c2', 'W3', 'b3']));
    expect(s.cut).toEqual(['r']);
    expect(s.prefix.graph.node.map((n) => n.name)).toEqual(['conv1', 'relu']);
    const suffix = s.suffix(new Map([['r', [4, 4, 4]]]));
    expect(suffix.graph.node.map((n) => n.name).sort()).toEqual(['batch', 'cat', 'conv2', 'fc', 'flatten', 'shape', 'unsq']);
    expect(suffix.graph.initializer.map((t) => t.name).sort()).toEqual(['W2', 'W3', 'axes', 'b3', 'c2', 'minus1', 'zero']);
    // frozen up to the flatten: the cut moves to the flattened activation
    expect(split(splitFrozenPrefix(convNet(), ['W3', 'b3'])).cut).toEqual(['flat']);
  });

  it('says why a model cannot be cut', () => {
    expect(splitFrozenPrefix(mlp(), ['W1', 'b1', 'W2', 'b2'])).toEqual({ reason: 'a layer reading the model input is trained: there are no frozen layers to cache' });
    expect(splitFrozenPrefix(mlp(), [])).toEqual({ reason: "output 'logits' does not depend on a trained parameter" });
  });

  it('refuses a frozen BatchNormalization that normalises with batch statistics', () => {
    const m = OnnxModel.fromBytes(new Uint8Array(readFileSync('test/fixtures/torch/mobilenet_v2-opset13.onnx')), 'mobilenet_v2-opset13.onnx');
    const head = ['classifier.1.weight', 'classifier.1.bias'];
    expect(splitFrozenPrefix(m, head)).toBeInstanceOf(FeatureSplit);
    expect(splitFrozenPrefix(m, head, { batchNorm: 'train' })).toEqual({ reason: expect.stringMatching(/^BatchNormalization '.*' among the frozen layers normalises with batch statistics/) as unknown as string });
  });
});

/** The same training uncached and cached, from two tuners on two copies of the model. */
async function both(make: () => OnnxModel, tunerOpts: TunerOptions, data: Dataset, fitOpts: FitOptions, cacheOpts: { memoryLimit?: number; spill?: SpillFactory } = {}) {
  const plain = await Tuner.create(make(), nodeBackend, tunerOpts);
  const cached = await Tuner.create(make(), nodeBackend, tunerOpts);
  try {
    const a = await fit(plain, data, fitOpts);
    const progress: Progress[] = [];
    const b = await fitCached(cached, nodeBackend, data, split(splitForTuner(cached)), { ...fitOpts, onProgress: (p) => progress.push(p), cache: cacheOpts });
    return { plain: { result: a, weights: plain.weights, step: plain.step, states: plain.states }, cached: { result: b, weights: cached.weights, step: cached.step, states: cached.states, tuner: cached }, progress };
  } finally {
    await plain.dispose();
    await cached.dispose();
  }
}

describe('fitCached', () => {
  it.each(['compiled', 'typescript'] as const)('an MLP head on cached features ends on the weights of uncached training (%s backward)', async (backward) => {
    const r = await both(mlp, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05, trainAfter: 'act1', backward }, blobs(45), { epochs: 3, batchSize: 8, seed: 5 });
    expect(r.cached.result.cut).toEqual(['a']);
    expect(r.cached.step).toBe(r.plain.step);
    expect(r.cached.step).toBe(18);
    expect(maxDiff(r.cached.weights, r.plain.weights)).toBeLessThanOrEqual(1e-5);
    // the first layer did not move, and the head did
    expect(r.cached.weights.has('W1')).toBe(false);
    expect(r.progress.every((p) => p.cachedFeatures === true)).toBe(true);
    expect(r.cached.result.history.map((h) => h.trainLoss)).toEqual(r.plain.result.history.map((h) => expect.closeTo(h.trainLoss, 5) as unknown as number));
  });

  it('a model listing its initializers as graph inputs (IR version 3) keeps them listed in both parts', async () => {
    const old = () => {
      const m = mlp(3, 8);
      m.proto.ir_version = 3;
      m.graph.input.push(...m.graph.initializer.map((t) => valueInfo(t.name!, DataType.FLOAT, t.dims.map(Number))));
      return m;
    };
    const s = split(splitFrozenPrefix(old(), ['W2', 'b2']));
    expect(s.prefix.graph.input.map((v) => v.name)).toEqual(['x', 'W1', 'b1']);
    expect(s.suffix(new Map([['a', [8]]])).graph.input.map((v) => v.name)).toEqual(['a', 'W2', 'b2']);
    const r = await both(old, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05, trainAfter: 'act1' }, blobs(20), { epochs: 2, batchSize: 8, seed: 5 });
    expect(maxDiff(r.cached.weights, r.plain.weights)).toBeLessThanOrEqual(1e-5);
  });

  it('shape arithmetic after the cut: a conv backbone with a Shape-built flatten', async () => {
    const r = await both(convNet, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: ['W2', 'c2', 'W3', 'b3'] }, images(20, [1, 6, 6], 3, 4), { epochs: 2, batchSize: 6, seed: 2 });
    expect(r.cached.result.cut).toEqual(['r']);
    expect(maxDiff(r.cached.weights, r.plain.weights)).toBeLessThanOrEqual(1e-5);
  });

  it('mobilenet_v2 (reduced-width torchvision export): the classifier on cached features, with validation, matches uncached training', async () => {
    const make = () => OnnxModel.fromBytes(new Uint8Array(readFileSync('test/fixtures/torch/mobilenet_v2-opset13.onnx')), 'mobilenet_v2-opset13.onnx');
    const val = images(10, [3, 32, 32], 10, 8);
    const r = await both(make, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.01, trainAfter: '/Flatten' }, images(24, [3, 32, 32], 10, 7), { epochs: 3, batchSize: 8, seed: 1, validation: val, keep: 'last' });
    expect(r.cached.result.cut).toEqual(['/Flatten_output_0']);
    expect(maxDiff(r.cached.weights, r.plain.weights)).toBeLessThanOrEqual(1e-5);
    const vp = r.plain.result.history.map((h) => h.valLoss!);
    const vc = r.cached.result.history.map((h) => h.valLoss!);
    vc.forEach((v, i) => expect(v).toBeCloseTo(vp[i]!, 5));
  });

  it('spilling past a tiny memory limit gives the same batches and the same training as memory', async () => {
    await withTemp(async (dir) => {
      const data = blobs(45);
      const s = split(splitFrozenPrefix(mlp(), ['W2', 'b2']));
      const mem = await FeatureCache.build(s, nodeBackend, data, { batchSize: 7 });
      // 8 floats a row: 100 bytes hold 3 rows, the other 42 go to the file
      const spilled = await FeatureCache.build(s, nodeBackend, data, { batchSize: 7, memoryLimit: 100, spill: tempFileSpill(dir) });
      try {
        expect(mem.spilledRows).toBe(0);
        expect(spilled.memoryRows).toBe(3);
        expect(spilled.spilledRows).toBe(42);
        expect(existsSync(spilled.spillPath!)).toBe(true);
        const rows = [44, 0, 3, 4, 5, 2, 30, 10, 11, 12, 44];
        const a = await mem.batch(rows), b = await spilled.batch(rows);
        expect(b.feeds.a!.dims).toEqual([11, 8]);
        expect(Buffer.from((b.feeds.a!.data as Float32Array).buffer).equals(Buffer.from((a.feeds.a!.data as Float32Array).buffer))).toBe(true);
        expect(Array.from(b.target.data as BigInt64Array)).toEqual(rows.map((r) => BigInt(data.labels![r]!)));
      } finally {
        await mem.dispose();
        await spilled.dispose();
      }
      expect(existsSync(spilled.spillPath!)).toBe(false);
      expect(await readdir(dir)).toEqual([]);

      const opts = { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05, trainAfter: 'act1' } as const;
      const inMemory = await both(mlp, opts, data, { epochs: 2, batchSize: 8, seed: 3 });
      const onDisk = await both(mlp, opts, data, { epochs: 2, batchSize: 8, seed: 3 }, { memoryLimit: 100, spill: tempFileSpill(dir) });
      expect(onDisk.cached.result.spilledRows).toBe(42);
      expect(maxDiff(onDisk.cached.weights, inMemory.cached.weights)).toBe(0);
      expect(await readdir(dir)).toEqual([]);
    });
  });

  it('the spill file is removed when training fails, and features over the limit without a spill file are refused', async () => {
    await withTemp(async (dir) => {
      const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', lr: 0.05, trainAfter: 'act1' });
      const s = split(splitForTuner(t));
      const err = await fitCached(t, nodeBackend, blobs(20), s, { epochs: 1, batchSize: 4, earlyStopping: 0, validation: blobs(6), cache: { memoryLimit: 64, spill: tempFileSpill(dir) } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(await readdir(dir)).toEqual([]);
      await expect(FeatureCache.build(s, nodeBackend, blobs(20), { memoryLimit: 64 })).rejects.toThrow(/blobs: the cached features need 0\.0 MB, over the memory limit of 0\.0 MB, and no spill file was given/);
      await t.dispose();
    });
  });

  it('the tuned head is written back into the whole model by name', async () => {
    const m = mlp();
    const w1 = m.readFloat('W1').slice();
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05, trainAfter: 'act1' });
    const data = blobs(30);
    const before = await evaluate(t, data);
    await fitCached(t, nodeBackend, data, split(splitForTuner(t)), { epochs: 4, batchSize: 8 });
    const after = await evaluate(t, data);
    expect(after.loss).toBeLessThan(before.loss);
    await t.commit();
    expect(Buffer.from(m.readFloat('W1').buffer).equals(Buffer.from(w1.buffer))).toBe(true);
    expect(Array.from(m.readFloat('W2'))).toEqual(Array.from(t.weights.get('W2')!));
    await t.dispose();
  });
});
