/**
 * Personalising a classifier end to end, as a user would: a folder of PNGs in
 * three classes with natural-order names ("2", "7", "10" — code-point order
 * would put "10" first), written from real MNIST digits; `finetune --new-head
 * --val-split 0.2` on a LeNet-5 first trained on MNIST; the tuned file holds a
 * 3-way head, its class names and its preprocessing; `infer --image` names
 * held-out digits correctly; and the file gives the same predictions through
 * the library with no flags.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabels, readPreprocess } from '../../src/model-metadata.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { loadMnist } from '../../src/train/data/mnist.js';
import { LENET5, runCli, tempFolder } from './run-cli.js';

const tmp = tempFolder('edgetune-personalise-');
afterAll(() => tmp.remove());

/** folder name → the MNIST digit its images show */
const CLASSES: [string, number][] = [['2', 2], ['7', 7], ['10', 0]];

function writeDigit(file: string, x: Float32Array, row: number): void {
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) {
    const v = Math.round(x[row * 784 + p]! * 255);
    png.data[p * 4] = v; png.data[p * 4 + 1] = v; png.data[p * 4 + 2] = v; png.data[p * 4 + 3] = 255;
  }
  writeFileSync(file, PNG.sync.write(png));
}

/** The first `count` rows of a digit in a split, as PNG files in `dir`. */
function writeClass(dir: string, split: 'train' | 'test', digit: number, count: number): string[] {
  mkdirSync(dir, { recursive: true });
  const d = loadMnist()[split];
  const rows = [...d.labels!.keys()].filter((r) => d.labels![r] === digit).slice(0, count);
  return rows.map((r, i) => {
    const file = path.join(dir, `${String(i).padStart(3, '0')}.png`);
    writeDigit(file, d.x, r);
    return file;
  });
}

const data = tmp.file('photos');
const heldOut: { file: string; name: string }[] = [];
const pretrained = tmp.file('lenet5-mnist.onnx');
const tuned = tmp.file('lenet5-mine.onnx');
let stdout = '';

beforeAll(async () => {
  for (const [name, digit] of CLASSES) {
    writeClass(path.join(data, name), 'train', digit, 30);
    for (const file of writeClass(tmp.file(`held-out/${name}`), 'test', digit, 20)) heldOut.push({ file, name });
  }
  writeFileSync(path.join(data, '7', 'notes.txt'), 'not an image');
  const pre = await runCli(['finetune', LENET5, '--data', 'mnist', '--epochs', '1', '--batch-size', '32', '--lr', '0.003', '--seed', '1', '--out', pretrained]);
  expect(pre.code, pre.stderr).toBe(0);
  const r = await runCli(['finetune', pretrained, '--data', data, '--new-head', '--val-split', '0.2', '--epochs', '40', '--batch-size', '8', '--lr', '0.01', '--seed', '3', '--out', tuned]);
  expect(r.code, r.stderr).toBe(0);
  stdout = r.stdout;
}, 300_000);

describe('finetune --new-head on a folder of my images', () => {
  it('prints the class map in natural order, the new head, the skipped file and that features are cached', () => {
    expect(stdout).toContain('classes: 0=2 1=7 2=10');
    expect(stdout).toMatch(/new head: Gemm 'OUT': 10 → 3 classes/);
    expect(stdout).toMatch(/warning: .*1 non-image file/);
    expect(stdout).toMatch(/features cached/);
  });

  it('writes a model with a 3-way output, its class names and its preprocessing', async () => {
    const m = await loadModelFile(tuned);
    expect(m.outputs[0]!.dims).toEqual(['N', 3]);
    expect(readLabels(m)).toEqual(['2', '7', '10']);
    expect(readPreprocess(m)).toMatchObject({ size: [28, 28], channels: 'gray', scale: 1 / 255 });
  });

  it('infer --image names held-out digits correctly at ≥ 90%', async () => {
    const r = await runCli(['infer', tuned, ...heldOut.flatMap((h) => ['--image', h.file]), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { file: string; label: string }[];
    expect(results).toHaveLength(heldOut.length);
    const right = results.filter((x, i) => x.label === heldOut[i]!.name).length;
    expect(right / heldOut.length).toBeGreaterThanOrEqual(0.9);
  });

  it('the file alone gives the same predictions through the library', async () => {
    const cli = JSON.parse((await runCli(['infer', tuned, ...heldOut.flatMap((h) => ['--image', h.file]), '--json'])).stdout) as { label: string; probability: number }[];
    const model = await Model.load(tuned);
    for (const [i, h] of heldOut.entries()) {
      const c = await model.classify(h.file);
      expect(c.label).toBe(cli[i]!.label);
      expect(c.probability).toBeCloseTo(cli[i]!.probability, 5);
    }
    await model.dispose();
  });
});

describe('finetune refuses or stops what would spoil the model', () => {
  it('a run that diverges (--lr 1e6) stops with one line and writes the last good weights', async () => {
    const out = tmp.file('diverged.onnx');
    const r = await runCli(['finetune', pretrained, '--data', data, '--epochs', '3', '--batch-size', '8', '--optimizer', 'sgd', '--lr', '1e6', '--no-cache', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const line = r.stdout.split('\n').find((l) => /diverged|non-finite/.test(l));
    expect(line, r.stdout).toBeDefined();
    expect(line).toMatch(/kept the (starting|start|weights)/);
    const before = await loadModelFile(pretrained);
    const after = await loadModelFile(out);
    for (const t of before.initializers) expect(Array.from(after.readFloat(t.name!)), t.name).toEqual(Array.from(before.readFloat(t.name!)));
  });

  it('labels outside the model\'s outputs are refused before training, naming the split and the label', async () => {
    const many = tmp.file('twelve');
    for (let c = 0; c < 12; c++) writeClass(path.join(many, `c${c}`), 'train', c % 10, 2);
    const r = await runCli(['finetune', pretrained, '--data', many, '--epochs', '1', '--out', tmp.file('never.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^edgetune finetune: .*training data.*label 10 .*outside 0\.\.9/);
  });

  it('an --eval folder with a class the training data lacks is an error naming the folder; a missing class is a warning', async () => {
    const extra = tmp.file('eval-extra');
    writeClass(path.join(extra, '2'), 'test', 2, 2);
    writeClass(path.join(extra, 'unknown'), 'test', 5, 2);
    const r = await runCli(['finetune', pretrained, '--data', data, '--eval', extra, '--new-head', '--epochs', '1', '--out', tmp.file('never.onnx')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown/);
    const partial = tmp.file('eval-partial');
    writeClass(path.join(partial, '2'), 'test', 2, 3);
    writeClass(path.join(partial, '10'), 'test', 0, 3);
    const ok = await runCli(['finetune', pretrained, '--data', data, '--eval', partial, '--new-head', '--epochs', '1', '--out', tmp.file('partial.onnx')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/warning: .*7/);
  });
});

describe('finetune --augment', () => {
  it('trains on augmented batches, seeded: the same seed gives the same model, and not the unaugmented one', async () => {
    const run = async (mode: string, file: string) => {
      const r = await runCli(['finetune', pretrained, '--data', data, '--new-head', '--augment', mode, '--no-cache', '--epochs', '2', '--batch-size', '8', '--seed', '5', '--out', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/features cached/);
      return loadModelFile(file);
    };
    const [a, b, c] = [await run('all', tmp.file('aug-a.onnx')), await run('all', tmp.file('aug-b.onnx')), await run('none', tmp.file('aug-c.onnx'))];
    const w = (m: Awaited<ReturnType<typeof run>>) => Array.from(m.readFloat('edgetune.head.weight'));
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
  });
});
