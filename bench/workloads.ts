/**
 * What the workloads run on: the benchmarked models (as bytes, as an
 * OnnxModel and as a layer chain) and MNIST batches in a fixed order.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OnnxModel } from '../src/model.js';
import { encodeModel } from '../src/onnx/model-io.js';
import { batchOf, type Dataset } from '../src/train/data/dataset.js';
import { loadMnist } from '../src/train/data/mnist.js';
import { Rng } from '../src/train/rng.js';
import { chainOf, type Chain } from './chain.js';
import { buildWideLenet5 } from './wide-lenet.js';

/** The repository root, seen from the compiled dist-bench/bench/*.js (or from bench/*.ts). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist-bench/') ? fileURLToPath(new URL('../../', import.meta.url)) : fileURLToPath(new URL('../', import.meta.url));
}

export interface BenchModel {
  name: string;
  bytes: Uint8Array;
  model: OnnxModel;
  chain: Chain;
  loss: 'cross-entropy' | 'mse';
}

function fromBytes(name: string, bytes: Uint8Array, loss: BenchModel['loss']): BenchModel {
  const model = OnnxModel.fromBytes(bytes, name);
  return { name, bytes, model, chain: chainOf(model), loss };
}

/** models/lenet5.onnx as shipped (logits: cross-entropy). */
export function lenet5(): BenchModel {
  return fromBytes('lenet5.onnx', new Uint8Array(readFileSync(`${repoRoot()}models/lenet5.onnx`)), 'cross-entropy');
}

/** models/cnn-6c2s12c2s.onnx as shipped (sigmoid outputs: mse, as the toolbox trains it). */
export function cnn6c2s12c2s(): BenchModel {
  return fromBytes('cnn-6c2s12c2s.onnx', new Uint8Array(readFileSync(`${repoRoot()}models/cnn-6c2s12c2s.onnx`)), 'mse');
}

/** LeNet-5 with w× the maps per layer, built in memory. */
export function wideLenet5(w: number): BenchModel {
  return fromBytes(`lenet5-w${w}`, encodeModel(buildWideLenet5(w)), 'cross-entropy');
}

/** One batch in host memory, in the forms each system takes. */
export interface HostBatch {
  n: number;
  /** [n, 1, 28, 28] */
  dims: number[];
  x: Float32Array;
  labels: Int32Array;
  labels64: BigInt64Array;
}

function hostBatch(d: Dataset, rows: ArrayLike<number>): HostBatch {
  const b = batchOf(d, rows);
  const labels = b.labels!;
  return { n: rows.length, dims: b.dims, x: b.x, labels, labels64: BigInt64Array.from(labels, (v) => BigInt(v)) };
}

/**
 * `count` consecutive batches of `size` rows of the MNIST train split in the
 * order of Rng(seed).permutation (wrapping around past the end): the same
 * batches, in the same order, for every system.
 */
export function trainBatches(size: number, count: number, seed = 1): HostBatch[] {
  const train = loadMnist().train;
  const order = new Rng(seed).permutation(train.size);
  const out: HostBatch[] = [];
  for (let b = 0; b < count; b++) {
    const rows = Int32Array.from({ length: size }, (_, i) => order[(b * size + i) % train.size]!);
    out.push(hostBatch(train, rows));
  }
  return out;
}

/** The 2,000-digit MNIST test split in batches of `size`, in row order. */
export function testBatches(size: number): HostBatch[] {
  const test = loadMnist().test;
  const out: HostBatch[] = [];
  for (let start = 0; start < test.size; start += size) {
    out.push(hostBatch(test, Int32Array.from({ length: Math.min(size, test.size - start) }, (_, i) => start + i)));
  }
  return out;
}

/** Correct argmax predictions of y [n, K] against labels. */
export function correctOf(y: Float32Array, labels: Int32Array): number {
  const n = labels.length, k = y.length / n;
  let correct = 0;
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (y[r * k + c]! > y[r * k + best]!) best = c;
    if (best === labels[r]) correct++;
  }
  return correct;
}

/** max |a − b| over equal-length arrays (Infinity when the lengths differ or a value is NaN). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (Number.isNaN(d)) return Infinity;
    if (d > m) m = d;
  }
  return m;
}
