import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/images.js';
import { encodeNpy, parseNpy } from '../../src/io/npy.js';
import { writeLabels, writePreprocess } from '../../src/model-metadata.js';
import { OnnxModel } from '../../src/model.js';
import {
  argmax, bareSubsample, f32, floats, LENET5, ortRun, runCli, tempFolder, twoHeads, writeModelFile, writeNpyFile,
} from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

function readNpyFile(file: string) {
  return parseNpy(new Uint8Array(readFileSync(file)), file);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('edgetune infer', () => {
  it('lenet5: writes <out>/logits.npy equal to onnxruntime-node on the same input, prints shape and argmax', async () => {
    const n = 3;
    const x = floats(101, n * 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('digits.npy'), f32([n, 1, 28, 28], x));
    const out = tmp.file('lenet-out');
    const r = await runCli(['infer', LENET5, '--input', `input=${xFile}`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual(['logits.npy']);
    const y = readNpyFile(`${out}/logits.npy`);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([n, 10]);
    const ref = (await ortRun(LENET5, { input: { dims: [n, 1, 28, 28], data: x } }))['logits']!;
    expect(ref.dims).toEqual([n, 10]);
    expectClose(y.data as Float32Array, ref.data, 1e-5);
    expect(r.stdout).toMatch(/logits: float32 \[3,10\]/);
    expect(r.stdout).toContain(`argmax per row: ${argmax(ref.data, n, 10).join(' ')}`);
  });

  it('--json reports every output with shape, file and argmax', async () => {
    const x = floats(102, 2 * 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('digits2.npy'), f32([2, 1, 28, 28], x));
    const r = await runCli(['infer', LENET5, '--input', `input=${xFile}`, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, { shape: number[]; file: string | null; argmax: number[] }>;
    const ref = (await ortRun(LENET5, { input: { dims: [2, 1, 28, 28], data: x } }))['logits']!;
    expect(report).toEqual({ logits: { shape: [2, 10], file: null, argmax: argmax(ref.data, 2, 10) } });
  });

  it('writes every output of a two-output model', async () => {
    const { proto } = twoHeads();
    const file = writeModelFile(tmp.file('two-heads.onnx'), proto);
    const x = floats(103, 4 * 4);
    const xFile = writeNpyFile(tmp.file('x4.npy'), f32([4, 4], x));
    const out = tmp.file('two-out');
    const r = await runCli(['infer', file, '--input', `X=${xFile}`, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['first.npy', 'second.npy']);
    const ref = await ortRun(file, { X: { dims: [4, 4], data: x } });
    for (const name of ['first', 'second'] as const) {
      const y = readNpyFile(`${out}/${name}.npy`);
      expect(y.shape).toEqual(ref[name]!.dims);
      expectClose(y.data as Float32Array, ref[name]!.data, 1e-6);
    }
  });

  it('a bare file (no name=) feeds the only input', async () => {
    const x = floats(104, 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('one.npy'), f32([1, 1, 28, 28], x));
    const r = await runCli(['infer', LENET5, '--input', xFile, '--json']);
    expect(r.code).toBe(0);
    const ref = (await ortRun(LENET5, { input: { dims: [1, 1, 28, 28], data: x } }))['logits']!;
    expect((JSON.parse(r.stdout) as { logits: { argmax: number[] } }).logits.argmax).toEqual(argmax(ref.data, 1, 10));
  });

  it('runs a model that uses edgetune ops without their function definitions', async () => {
    const beta = new Float32Array([0.5, -2]);
    const bias = new Float32Array([1, 0.25]);
    const file = writeModelFile(tmp.file('bare-subsample.onnx'), bareSubsample(2, beta, bias));
    // X: 1×2×4×4, map c holds c·100 + 0..15 in row order
    const x = Float32Array.from({ length: 32 }, (_, i) => Math.floor(i / 16) * 100 + (i % 16));
    const xFile = writeNpyFile(tmp.file('maps.npy'), f32([1, 2, 4, 4], x));
    const out = tmp.file('bare-out');
    const r = await runCli(['infer', file, '--input', `X=${xFile}`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const y = readNpyFile(`${out}/Y.npy`);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    // 2×2 block sums of 0..15 as 4×4: [0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15] = [10, 18, 42, 50];
    // map 1 adds 4·100 to each block.
    const sums = [10, 18, 42, 50];
    const expected = [...sums.map((s) => 0.5 * s + 1), ...sums.map((s) => -2 * (s + 400) + 0.25)];
    expectClose(y.data as Float32Array, expected, 1e-4);
    expect(r.stdout).toMatch(/Y: float32 \[1,2,2,2\]/);
  });
});

/** A 30×30 PNG of a bright stroke on black, different for each seed. */
function strokePng(file: string, seed: number): string {
  const p = new PNG({ width: 30, height: 30 });
  for (let y = 0; y < 30; y++) {
    for (let x = 0; x < 30; x++) {
      const on = Math.abs(x - 15 - Math.round(((y - 15) * (seed - 2)) / 3)) < 3 || (seed % 2 === 0 && Math.abs(y - 8 - seed) < 2);
      const i = 4 * (y * 30 + x);
      p.data[i] = p.data[i + 1] = p.data[i + 2] = on ? 250 : 5;
      p.data[i + 3] = 255;
    }
  }
  writeFileSync(file, PNG.sync.write(p));
  return file;
}

const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The reference: softmax of onnxruntime-node's logits on the input made by hand with decodeImage. */
async function reference(image: string, norm: { mean?: number[]; std?: number[] } = {}): Promise<number[]> {
  const x = decodeImage(new Uint8Array(readFileSync(image)), { channels: 1, height: 28, width: 28, ...norm });
  const logits = (await ortRun(LENET5, { input: { dims: [1, 1, 28, 28], data: x } }))['logits']!.data;
  const m = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

describe('edgetune infer --image', () => {
  const images = [0, 1, 2, 3].map((k) => strokePng(tmp.file(`stroke${k}.png`), k));
  const labelled = tmp.file('lenet5-labelled.onnx');
  const m = OnnxModel.fromBytes(readFileSync(LENET5), labelled);
  writeLabels(m, DIGITS);
  writePreprocess(m, { size: [28, 28], channels: 'gray', mean: 0.1307, std: 0.3081 });
  writeFileSync(labelled, m.toBytes());

  it('prints <file>: <label name> (<probability>) per image, with the stored preprocessing and labels', async () => {
    const r = await runCli(['infer', labelled, '--image', images[0]!, '--image', images[1]!, '--image', images[2]!]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const want = await Promise.all(images.slice(0, 3).map(async (f) => {
      const p = await reference(f, { mean: [0.1307], std: [0.3081] });
      const k = p.indexOf(Math.max(...p));
      return `${f}: ${DIGITS[k]} (${(100 * p[k]!).toFixed(1)}%)`;
    }));
    expect(r.stdout.split('\n').filter((l) => l !== '')).toEqual(want);
  });

  it('--json gives an array of { file, label, index, probability, probabilities }', async () => {
    const r = await runCli(['infer', labelled, '--image', images[3]!, '--image', images[1]!, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { file: string; label: string; index: number; probability: number; probabilities: number[] }[];
    expect(out.map((o) => o.file)).toEqual([images[3], images[1]]);
    for (const o of out) {
      const p = await reference(o.file, { mean: [0.1307], std: [0.3081] });
      expect(o.index).toBe(p.indexOf(Math.max(...p)));
      expect(o.label).toBe(DIGITS[o.index]);
      expect(o.probability).toBeCloseTo(p[o.index]!, 5);
      o.probabilities.forEach((v, k) => expect(v).toBeCloseTo(p[k]!, 5));
    }
  });

  it('a model without metadata behaves as before: pixel/255 input, the class index as the label', async () => {
    const r = await runCli(['infer', LENET5, '--image', images[2]!, '--json']);
    expect(r.code).toBe(0);
    const [o] = JSON.parse(r.stdout) as { label: number; index: number; probability: number }[];
    const p = await reference(images[2]!);
    expect(o!.label).toBe(p.indexOf(Math.max(...p)));
    expect(o!.index).toBe(o!.label);
    expect(o!.probability).toBeCloseTo(Math.max(...p), 5);
    const text = await runCli(['infer', LENET5, '--image', images[2]!]);
    expect(text.stdout).toBe(`${images[2]}: ${o!.label} (${(100 * o!.probability).toFixed(1)}%)\n`);
  });

  it('refuses --image with --input, and a file that is not an image in one line', async () => {
    const both = await runCli(['infer', LENET5, '--image', images[0]!, '--input', 'x.npy']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--image cannot be combined with --input/);
    const neither = await runCli(['infer', LENET5]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/--input .* or --image .* is required/);
    const text = tmp.file('not-an-image.png');
    writeFileSync(text, 'hello');
    const bad = await runCli(['infer', LENET5, '--image', text]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`edgetune infer: ${text}: not a PNG or JPEG image (unrecognised magic bytes)\n`);
  });
});

describe('infer with a float64 .npy', () => {
  it('converts it for a float32 input, giving what the float32 values give', async () => {
    const values = Array.from({ length: 784 }, (_, i) => (i % 17) / 17);
    const f64 = tmp.file('digit-f64.npy');
    writeFileSync(f64, encodeNpy({ dtype: 'float64', shape: [1, 1, 28, 28], data: Float64Array.from(values) }));
    const f32file = tmp.file('digit-f32.npy');
    writeFileSync(f32file, encodeNpy({ dtype: 'float32', shape: [1, 1, 28, 28], data: Float32Array.from(values) }));
    const a = await runCli(['infer', LENET5, '--input', `input=${f64}`, '--out', tmp.file('o64')]);
    const b = await runCli(['infer', LENET5, '--input', `input=${f32file}`, '--out', tmp.file('o32')]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.replace(/o64/g, 'oX')).toBe(b.stdout.replace(/o32/g, 'oX'));
  });
});
