#!/usr/bin/env node
/**
 * Writes the demo's compact digit set: 100 train + 50 test digits of each
 * class (1,000 + 500), drawn with fixed seeds from the MNIST digits of the
 * `mnist` package (the project's fixed 8,000 / 2,000 split), pixels as bytes.
 * Needs the compiled library (dist/src, from `tsc -p .`). Run as a script
 * (`node scripts/build-demo-data.mjs [out]`, default dist/web/digits.bin) or
 * import buildDemoData().
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const TRAIN_PER_CLASS = 100;
export const TEST_PER_CLASS = 50;

/** Build the digit file at `out`; returns its size in bytes. */
export async function buildDemoData({ root = ROOT, out = path.join(root, 'dist', 'web', 'digits.bin') } = {}) {
  const lib = (p) => import(pathToFileURL(path.join(root, 'dist', 'src', p)).href).catch((e) => {
    throw new Error(`build-demo-data: cannot load dist/src/${p} (run 'tsc -p .' first): ${e.message.split('\n')[0]}`);
  });
  const { loadMnist } = await lib('train/data/mnist.js');
  const { takePerClass } = await lib('train/data/dataset.js');
  const { encodeDigits } = await lib('web/digits.js');
  const { train, test } = loadMnist();
  const bytes = encodeDigits({ train: takePerClass(train, TRAIN_PER_CLASS, 1), test: takePerClass(test, TEST_PER_CLASS, 2) });
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, bytes);
  return bytes.byteLength;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  buildDemoData(out ? { out } : {}).then(
    (n) => { process.stdout.write(`build-demo-data: wrote ${n} bytes\n`); },
    (e) => { process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`); process.exitCode = 1; },
  );
}
