/**
 * WebModel.classify on pixels (ImageData's form) gives what Node's
 * Model.classify gives for a PNG of the same pixels: the page and Node make
 * the same input (run here on onnxruntime-node through the same ModelRunner).
 */
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { writeLabels, writePreprocess } from '../../src/model-metadata.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Model } from '../../src/node/model.js';
import { WebModel } from '../../src/web/model.js';

const SQUEEZENET = new URL('../fixtures/torch/squeezenet-opset13.onnx', import.meta.url);

function rgba(width: number, height: number): Uint8ClampedArray {
  const d = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    d[4 * i] = (i * 7) % 256; d[4 * i + 1] = (i * 13 + 50) % 256; d[4 * i + 2] = (i * i) % 256; d[4 * i + 3] = 255;
  }
  return d;
}

describe('WebModel.classify', () => {
  it('pixels classify as Node classifies the same picture as a PNG, with stored preprocessing and labels', async () => {
    const onnx = OnnxModel.fromBytes(readFileSync(SQUEEZENET), 'squeezenet.onnx');
    writePreprocess(onnx, { size: [32, 32], channels: 'BGR', mean: [0.4, 0.45, 0.5], std: [0.25, 0.22, 0.23], resize: 'center-crop' });
    writeLabels(onnx, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
    const [w, h] = [45, 37];
    const pixels = rgba(w, h);
    const png = new PNG({ width: w, height: h });
    png.data = Buffer.from(pixels);
    const web = new WebModel(onnx, nodeBackend);
    const node = new Model(onnx);
    try {
      const a = await web.classify({ data: pixels, width: w, height: h });
      const b = await node.classify(new Uint8Array(PNG.sync.write(png)));
      expect(a.label).toBe(b.label);
      expect(typeof a.label).toBe('string');
      Array.from(a.probabilities).forEach((p, k) => expect(p).toBeCloseTo(b.probabilities[k]!, 5));
      await expect(web.classify({ data: pixels.subarray(0, 10), width: w, height: h })).rejects.toThrow(InputError);
    } finally {
      await web.dispose();
      await node.dispose();
    }
  });
});
