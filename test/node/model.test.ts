/**
 * Model.classify in Node: a PNG or JPEG (path or bytes) through the model's
 * stored preprocessing and labels — checked against an input built by hand
 * with decodeImage and run on onnxruntime-node — and, for a model without
 * them, exactly the input edgetune has always made (luma or RGB by channel
 * count, bilinear resize, pixel/255) with the index as the label.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import * as ort from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/io/errors.js';
import { decodeImage } from '../../src/io/images.js';
import { writeLabels, writePreprocess } from '../../src/model-metadata.js';
import { OnnxModel } from '../../src/model.js';
import { Model } from '../../src/node/model.js';
import { imageInput } from '../../src/node/image-input.js';
import { InputError } from '../../src/errors.js';
import { tempFolder } from '../cli/run-cli.js';

const LENET5 = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../models/lenet5.onnx');
const SQUEEZENET = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../fixtures/torch/squeezenet-opset13.onnx');
const tmp = tempFolder('edgetune-classify-');
afterAll(() => tmp.remove());

/** A width×height RGBA picture with some structure in every channel. */
function pixels(width: number, height: number, seed: number): Uint8Array {
  const d = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      d[i] = (x * 37 + y * 11 + seed * 50) % 256;
      d[i + 1] = (x * 5 + y * 29 + seed * 13) % 256;
      d[i + 2] = ((x - width / 2) ** 2 + (y - height / 2) ** 2 + seed * 7) % 256;
      d[i + 3] = 255;
    }
  }
  return d;
}

function png(width: number, height: number, seed: number): Uint8Array {
  const p = new PNG({ width, height });
  p.data = Buffer.from(pixels(width, height, seed));
  return new Uint8Array(PNG.sync.write(p));
}

function softmax(v: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(v));
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

async function ortLogits(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return Object.values(await s.run(feeds))[0]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('Model.classify', () => {
  it('a model without metadata: luma, bilinear to 28×28, pixel/255, the index as the label (a file path or bytes)', async () => {
    const image = png(40, 33, 1);
    const file = tmp.file('digit.png');
    writeFileSync(file, image);
    const m = await Model.load(LENET5);
    try {
      const x = decodeImage(image, { channels: 1, height: 28, width: 28 });
      const want = softmax(await ortLogits(readFileSync(LENET5), { input: new ort.Tensor('float32', x, [1, 1, 28, 28]) }));
      const best = want.indexOf(Math.max(...want));
      for (const source of [file, image]) {
        const r = await m.classify(source);
        expect(r.index).toBe(best);
        expect(r.label).toBe(best);
        expect(r.probability).toBeCloseTo(want[best]!, 5);
        Array.from(r.probabilities).forEach((p, k) => expect(p).toBeCloseTo(want[k]!, 5));
      }
    } finally {
      await m.dispose();
    }
  });

  it('stored preprocessing (BGR, mean/std, centre crop) and labels are applied, and survive a save', async () => {
    const onnx = OnnxModel.fromBytes(readFileSync(SQUEEZENET), 'squeezenet.onnx');
    const mean = [0.406, 0.456, 0.485], std = [0.225, 0.224, 0.229]; // B, G, R
    writePreprocess(onnx, { size: [32, 32], channels: 'BGR', mean, std, resize: 'center-crop' });
    const names = ['plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
    writeLabels(onnx, names);
    const file = tmp.file('squeezenet-labelled.onnx');
    writeFileSync(file, onnx.toBytes());

    const image = new Uint8Array(encodeJpeg({ width: 64, height: 48, data: pixels(64, 48, 2) }, 95).data);
    // by hand: RGB resized to cover 32×32 (43×32), normalised in RGB order, channels reversed, centre 32 columns kept
    const rgb = decodeImage(image, { channels: 3, height: 32, width: 43, mean: [mean[2]!, mean[1]!, mean[0]!], std: [std[2]!, std[1]!, std[0]!] });
    const x = new Float32Array(3 * 32 * 32);
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let k = 0; k < 32; k++) x[(c * 32 + y) * 32 + k] = rgb[((2 - c) * 32 + y) * 43 + 5 + k]!;
    const want = softmax(await ortLogits(readFileSync(SQUEEZENET), { input: new ort.Tensor('float32', x, [1, 3, 32, 32]) }));
    const best = want.indexOf(Math.max(...want));

    expect(imageInput(image, { size: [32, 32], layout: 'NCHW', channels: 'BGR', scale: 1 / 255, mean, std, resize: 'center-crop' }).every((v, i) => Math.abs(v - x[i]!) < 1e-5)).toBe(true);
    const m = await Model.load(file);
    try {
      const r = await m.classify(image);
      expect(r.label).toBe(names[best]);
      expect(r.index).toBe(best);
      Array.from(r.probabilities).forEach((p, k) => expect(p).toBeCloseTo(want[k]!, 4));
    } finally {
      await m.dispose();
    }
  });

  it('a model with a fixed batch gets the image repeated and answers for it', async () => {
    const m = await Model.load(path.resolve(path.dirname(SQUEEZENET), 'mobilenet_v2-opset11.onnx'));
    try {
      const r = await m.classify(png(32, 32, 3));
      expect(r.probabilities).toHaveLength(10);
      expect(Array.from(r.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    } finally {
      await m.dispose();
    }
  });

  it('a file that is not an image is a FormatError naming it; labels that do not fit the output are an InputError', async () => {
    const bad = tmp.file('notes.png');
    writeFileSync(bad, 'hello');
    const m = await Model.load(LENET5);
    try {
      await expect(m.classify(bad)).rejects.toThrow(FormatError);
      await expect(m.classify(bad)).rejects.toThrow(/notes\.png: not a PNG or JPEG/);
      writeLabels(m.onnx, ['a', 'b']);
      await expect(m.classify(png(28, 28, 4))).rejects.toThrow(InputError);
    } finally {
      await m.dispose();
    }
  });
});
