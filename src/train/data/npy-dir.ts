/**
 * Datasets stored as a folder of two NumPy files: `x.npy` with the inputs
 * and `y.npy` with the labels or targets of the same rows.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors.js';
import { readNpy, type NpyArray } from '../../io/npy.js';
import type { Dataset } from './dataset.js';

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(',')}${shape.length === 1 ? ',' : ''})`;
}

async function requireFile(file: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await fs.stat(file)).isFile();
  } catch {
    throw new InputError(`${file}: missing (an npy dataset folder holds x.npy and y.npy)`);
  }
  if (!isFile) throw new InputError(`${file}: is not a file (an npy dataset folder holds x.npy and y.npy)`);
}

/** Index of the first NaN or ±Infinity in `a`, or -1. */
function firstNonFinite(a: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return i;
  return -1;
}

/** x.npy as float32 rows; float64 and uint8 values are converted as they are (uint8 is not rescaled). */
function inputsOf(arr: NpyArray, file: string): { x: Float32Array; n: number; sampleShape: number[] } {
  if (arr.dtype !== 'float32' && arr.dtype !== 'float64' && arr.dtype !== 'uint8') {
    throw new InputError(`${file}: dtype ${arr.dtype} is not supported for inputs (use float32, float64 or uint8)`);
  }
  if (arr.shape.length < 2) {
    throw new InputError(`${file}: shape ${shapeText(arr.shape)} is not [N, ...sample shape] (needs at least 2 dims)`);
  }
  const [n, ...sampleShape] = arr.shape as [number, ...number[]];
  if (n === 0) throw new InputError(`${file}: holds no samples (shape ${shapeText(arr.shape)})`);
  if (sampleShape.includes(0)) throw new InputError(`${file}: samples of shape ${shapeText(arr.shape)} are empty`);
  const x = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as Float64Array | Uint8Array);
  const bad = firstNonFinite(x);
  if (bad >= 0) {
    const s = x.length / n;
    throw new InputError(`${file}: value ${x[bad]} at sample ${Math.floor(bad / s)} (flat index ${bad}) is not finite`);
  }
  return { x, n, sampleShape };
}

/** y.npy as int32 labels ([N] int32/int64, each in 0 … 2^31−1) or float32 targets ([N, K]). */
function outputsOf(
  arr: NpyArray,
  n: number,
  file: string,
): { labels: Int32Array } | { targets: Float32Array; targetWidth: number } {
  if (arr.dtype === 'int32' || arr.dtype === 'int64') {
    if (arr.shape.length !== 1) {
      throw new InputError(`${file}: ${arr.dtype} labels must have shape (N,), got ${shapeText(arr.shape)}`);
    }
    if (arr.shape[0] !== n) throw new InputError(`${file}: holds ${arr.shape[0]} labels but x.npy holds ${n} samples`);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = arr.data[i]!;
      if (v < 0) throw new InputError(`${file}: label ${v} at row ${i} is negative`);
      if (v > 0x7fffffff) throw new InputError(`${file}: label ${v} at row ${i} is too large`);
      labels[i] = Number(v);
    }
    return { labels };
  }
  if (arr.dtype === 'float32') {
    if (arr.shape.length !== 2) {
      throw new InputError(`${file}: float32 targets must have shape (N,K), got ${shapeText(arr.shape)}`);
    }
    const [rows, k] = arr.shape as [number, number];
    if (rows !== n) throw new InputError(`${file}: holds ${rows} target rows but x.npy holds ${n} samples`);
    if (k === 0) throw new InputError(`${file}: targets have width 0 (shape ${shapeText(arr.shape)})`);
    const targets = arr.data as Float32Array;
    const bad = firstNonFinite(targets);
    if (bad >= 0) throw new InputError(`${file}: target ${targets[bad]} at row ${Math.floor(bad / k)} is not finite`);
    return { targets, targetWidth: k };
  }
  throw new InputError(`${file}: dtype ${arr.dtype} is not supported (use int32/int64 labels (N,) or float32 targets (N,K))`);
}

/**
 * Loads `dir/x.npy` (float32, float64 or uint8, shape [N, ...sampleShape])
 * and `dir/y.npy` (int32 or int64 labels of shape [N], or float32 targets of
 * shape [N, K]). Inputs become float32 with their values unchanged — uint8
 * data is not divided by 255 — so any scaling must already be in the file.
 * Throws InputError naming the file for a missing file, an unsupported dtype
 * or shape, a row-count mismatch, a negative label or a non-finite value, and
 * FormatError for a file that is not a valid .npy. The dataset is named `dir`.
 */
export async function loadNpyDir(dir: string): Promise<Dataset> {
  const xFile = path.join(dir, 'x.npy');
  const yFile = path.join(dir, 'y.npy');
  await requireFile(xFile);
  await requireFile(yFile);
  const { x, n, sampleShape } = inputsOf(await readNpy(xFile), xFile);
  const out = outputsOf(await readNpy(yFile), n, yFile);
  return { name: dir, size: n, sampleShape, x, ...out };
}
