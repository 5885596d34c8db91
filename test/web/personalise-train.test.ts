/**
 * The personalisation page's training without the page, on onnxruntime-node:
 * the hold-out rule, a new 3-class head on ResNet-18 (random weights, 3×32×32 RGB) trained on cached
 * backbone features (the same weights as training the whole graph with the
 * head as its only parameters), and the written .onnx classifying PNGs of
 * the same pixels in Node with the class names and preprocessing it stores.
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { classifierPlan } from '../../src/classify.js';
import { InputError } from '../../src/errors.js';
import { readLabels, readPreprocess } from '../../src/model-metadata.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Model } from '../../src/node/model.js';
import { Rng } from '../../src/train/rng.js';
import { HeadTraining, holdOut, imageDataset, type LabelledImage } from '../../src/web/personalise-train.js';
import type { RgbaPixels } from '../../src/web/image-pixels.js';

const RESNET = new URL('../fixtures/torch/resnet18-opset13.onnx', import.meta.url);
const NAMES = ['red', 'blue', 'green'];
const COLOURS: [number, number, number][] = [[200, 40, 40], [40, 60, 210], [40, 190, 60]];

/** A w×h picture of one colour with seeded noise and a lighter square somewhere. */
function picture(colour: [number, number, number], seed: number, w = 40, h = 36): RgbaPixels {
  const rng = new Rng(seed);
  const data = new Uint8ClampedArray(w * h * 4);
  const sx = Math.floor(rng.next() * (w - 10)), sy = Math.floor(rng.next() * (h - 10));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const lift = x >= sx && x < sx + 10 && y >= sy && y < sy + 10 ? 40 : 0;
      for (let c = 0; c < 3; c++) data[(y * w + x) * 4 + c] = colour[c]! + lift + Math.round((rng.next() - 0.5) * 50);
      data[(y * w + x) * 4 + 3] = 255;
    }
  }
  return { data, width: w, height: h };
}

function png(p: RgbaPixels): Uint8Array {
  const out = new PNG({ width: p.width, height: p.height });
  out.data = Buffer.from(p.data as Uint8ClampedArray);
  return new Uint8Array(PNG.sync.write(out));
}

function images(perClass: number): LabelledImage[][] {
  return COLOURS.map((c, k) => Array.from({ length: perClass }, (_, i) => ({ label: k, image: picture(c, 100 * k + i) })));
}

async function trainHead(memoryLimit: number | undefined, steps: number) {
  const model = OnnxModel.fromBytes(readFileSync(RESNET), 'resnet18.onnx');
  const plan = classifierPlan(model);
  const all = images(6);
  const held = holdOut(all.map((c) => c.length), 1);
  const train = all.flatMap((c, k) => c.filter((_, i) => !held[k]![i]));
  const test = all.flatMap((c, k) => c.filter((_, i) => held[k]![i]));
  const ht = await HeadTraining.create(model, NAMES, imageDataset('train', plan, train, NAMES), imageDataset('test', plan, test, NAMES), {
    backend: nodeBackend, providers: ['cpu'], lr: 0.01, batchSize: 8, seed: 3, ...(memoryLimit !== undefined ? { memoryLimit } : {}),
  });
  try {
    for (let s = 0; s < steps; s++) await ht.step();
    const conf = await ht.confusion();
    const bytes = await ht.finish(plan.preprocess, { source: 'test' });
    return { ht, conf, bytes, test, plan, weights: new Map([...ht.tuner.weights].map(([k, v]) => [k, v.slice()])) };
  } finally {
    await ht.dispose();
  }
}

describe('holdOut', () => {
  it('holds out about one in five of each class when every class has 5 or more, else none', () => {
    const h = holdOut([5, 10, 7], 1);
    expect(h.map((c) => c.filter(Boolean).length)).toEqual([1, 2, 1]);
    expect(h.map((c) => c.length)).toEqual([5, 10, 7]);
    expect(holdOut([5, 10, 7], 1)).toEqual(h);
    expect(holdOut([5, 4, 9], 1).flat().some(Boolean)).toBe(false);
    expect(holdOut([], 1)).toEqual([]);
  });
});

describe('HeadTraining', () => {
  it('trains a new head on cached features; the .onnx classifies in Node with its labels and preprocessing', async () => {
    const r = await trainHead(undefined, 30);
    expect(r.ht.cache, r.ht.uncachedReason).toBeDefined();
    expect(r.ht.cache!.counts.prefix).toBeGreaterThan(50);
    expect(r.ht.cache!.counts.suffix).toBeLessThan(5);
    expect(r.ht.steps).toBe(30);
    expect(r.conf.classes).toBe(3);
    expect(r.conf.size).toBe(r.test.length);
    expect(r.conf.accuracy).toBe(1);

    const tuned = await Model.load(r.bytes);
    try {
      expect(readLabels(tuned.onnx)).toEqual(NAMES);
      expect(readPreprocess(tuned.onnx)).toEqual(r.plan.preprocess);
      expect(tuned.outputs[0]!.dims?.[1]).toBe(3);
      const finetune = JSON.parse(tuned.onnx.proto.metadata_props.find((p) => p.key === 'edgetune.finetune')!.value!) as Record<string, unknown>;
      expect(finetune).toMatchObject({ steps: 30, classes: 3, cachedFeatures: true, source: 'test' });
      for (const e of r.test) expect((await tuned.classify(png(e.image))).label).toBe(NAMES[e.label]);
    } finally {
      await tuned.dispose();
    }
  });

  it('without room for the features it trains the whole graph, to the same weights', async () => {
    const cached = await trainHead(undefined, 6);
    const plain = await trainHead(0, 6);
    expect(plain.ht.cache).toBeUndefined();
    expect(plain.ht.uncachedReason).toMatch(/memory limit/);
    for (const [name, w] of cached.weights) {
      const v = plain.weights.get(name)!;
      let worst = 0;
      for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - v[i]!));
      expect(worst, name).toBeLessThan(1e-5);
    }
  });

  it('trains a model whose batch size is fixed in the file (ResNet-18, opset 11: batch 2)', async () => {
    const model = OnnxModel.fromBytes(readFileSync(new URL('../fixtures/torch/resnet18-opset11.onnx', import.meta.url)), 'resnet18-11.onnx');
    const plan = classifierPlan(model);
    expect(plan.dims[0]).toBe(2);
    const all = images(3).flat();
    const d = imageDataset('all', plan, all, NAMES);
    const ht = await HeadTraining.create(model, NAMES, d, d, { backend: nodeBackend, providers: ['cpu'], lr: 0.01, batchSize: 8 });
    try {
      for (let s = 0; s < 20; s++) await ht.step();
      expect((await ht.confusion()).size).toBe(9);
      const tuned = await Model.load(await ht.finish(plan.preprocess));
      try {
        expect(NAMES).toContain((await tuned.classify(png(all[0]!.image))).label);
      } finally {
        await tuned.dispose();
      }
    } finally {
      await ht.dispose();
    }
  });

  it('refuses fewer than two classes and an empty training set', async () => {
    const model = OnnxModel.fromBytes(readFileSync(RESNET), 'resnet18.onnx');
    const plan = classifierPlan(model);
    const one = imageDataset('one', plan, images(1)[0]!, ['red']);
    const opts = { backend: nodeBackend, providers: ['cpu'], lr: 0.01, batchSize: 4 };
    await expect(HeadTraining.create(model, ['red'], one, one, opts)).rejects.toThrow(InputError);
    const empty = imageDataset('empty', plan, [], NAMES);
    await expect(HeadTraining.create(model, NAMES, empty, empty, opts)).rejects.toThrow(/no training images/);
  });
});
