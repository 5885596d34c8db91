import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../src/train/data/dataset.js';
import * as path from 'node:path';
import { loadMnist, mnistFromPackage, mnistTestCounts } from '../../../src/train/data/mnist.js';

interface PkgDigit {
  length: number;
  get(i: number): number[];
}
const pkg = createRequire(import.meta.url)('mnist') as PkgDigit[];

/** Per-digit counts worked out by hand from n_d / 5 and largest-remainder rounding. */
const N_D = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const TEST_D = [200, 225, 198, 206, 196, 173, 203, 214, 189, 196];

function row(d: Dataset, r: number): Float32Array {
  return d.x.subarray(r * 784, (r + 1) * 784);
}

function countLabels(d: Dataset): number[] {
  const c = new Array<number>(10).fill(0);
  for (const l of d.labels!) c[l]!++;
  return c;
}

describe('mnistTestCounts', () => {
  it('rounds 20% quotas by largest remainder so they sum to 20% of the total', () => {
    expect(mnistTestCounts([7, 3])).toEqual([1, 1]); // 1.4 + 0.6: the 0.6 wins the leftover place
    expect(mnistTestCounts([8, 8])).toEqual([2, 1]); // 1.6 + 1.6 = 3.2 -> 3; tie goes to the lower digit
    expect(mnistTestCounts([6, 6, 3])).toEqual([1, 1, 1]);
    expect(mnistTestCounts([5, 10])).toEqual([1, 2]);
  });

  it('gives the documented counts for the package data', () => {
    expect(N_D.reduce((a, b) => a + b)).toBe(10000);
    expect(mnistTestCounts(N_D)).toEqual(TEST_D);
  });
});

describe('loadMnist', () => {
  const { train, test } = loadMnist();

  it('holds exactly 8000 train and 2000 test digits of [1,28,28]', () => {
    expect(pkg.map((p) => p.length)).toEqual(N_D);
    expect(train.size).toBe(8000);
    expect(test.size).toBe(2000);
    expect(train.x.length).toBe(8000 * 784);
    expect(test.x.length).toBe(2000 * 784);
    expect(train.sampleShape).toEqual([1, 28, 28]);
    expect(test.sampleShape).toEqual([1, 28, 28]);
    expect(train.labels).toBeInstanceOf(Int32Array);
    expect(train.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(train.name).toBe('mnist:train');
    expect(test.name).toBe('mnist:test');
  });

  it('puts about 20% of every digit in test and the rest in train', () => {
    const t = countLabels(test);
    const tr = countLabels(train);
    for (let d = 0; d < 10; d++) {
      expect(Math.abs(t[d]! - 0.2 * N_D[d]!)).toBeLessThanOrEqual(1);
      expect(t[d]! + tr[d]!).toBe(N_D[d]);
    }
    expect(t).toEqual(TEST_D);
  });

  it('orders rows by digit, then by sample index', () => {
    for (const d of [train, test]) {
      const descents = d.labels!.filter((l, i) => i > 0 && l < d.labels![i - 1]!).length;
      expect(descents).toBe(0);
      expect(d.labels![0]).toBe(0);
      expect(d.labels![d.size - 1]).toBe(9);
    }
  });

  it('has no image in both splits', () => {
    const hash = (a: Float32Array): string => createHash('sha1').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
    const seen = new Set<string>();
    for (let r = 0; r < train.size; r++) seen.add(hash(row(train, r)));
    expect(seen.size).toBe(8000);
    let shared = 0;
    for (let r = 0; r < test.size; r++) if (seen.has(hash(row(test, r)))) shared++;
    expect(shared).toBe(0);
  });

  it('keeps values in [0, 1] with some ink in every image', () => {
    for (const d of [train, test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of d.x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBeLessThanOrEqual(1);
      expect(max).toBeGreaterThan(0.9);
      for (let r = 0; r < d.size; r += 97) expect(row(d, r).some((v) => v > 0.5)).toBe(true);
    }
  });

  it('maps known package samples to the documented rows', () => {
    const same = (a: Float32Array, b: number[]): void => expect(Array.from(a)).toEqual(Array.from(Float32Array.from(b)));
    same(row(train, 0), pkg[0]!.get(0));
    same(row(train, 800), pkg[0]!.get(800));
    same(row(train, 801), pkg[1]!.get(0));
    same(row(test, 0), pkg[0]!.get(801));
    same(row(test, 200), pkg[1]!.get(902));
    same(row(test, 1999), pkg[9]!.get(977));
    same(row(train, 7999), pkg[9]!.get(781));
    expect(train.labels![801]).toBe(1);
    expect(test.labels![1999]).toBe(9);
    // a hand-read stretch of the first zero: row 5, columns 10..17
    expect(Array.from(row(train, 0).subarray(150, 158))).toEqual(Array.from(Float32Array.from([0, 0, 0, 0, 0.188, 0.933, 0.988, 0.988])));
  });

  it('returns the same split on every call', () => {
    const again = loadMnist();
    const bytes = (a: Float32Array | Int32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(again.train.x).equals(bytes(train.x))).toBe(true);
    expect(bytes(again.test.x).equals(bytes(test.x))).toBe(true);
    expect(bytes(again.test.labels!).equals(bytes(test.labels!))).toBe(true);
  });
});

describe('mnistFromPackage', () => {
  it("drops the package's modules it loaded from require's cache, and keeps the ones loaded before", () => {
    const req = createRequire(import.meta.url);
    const root = path.dirname(req.resolve('mnist/package.json')) + path.sep;
    const cachedHere = () => Object.keys(req.cache).filter((k) => k.startsWith(root)).sort();
    // this file required the package itself: those modules stay
    const had = cachedHere();
    expect(had.length).toBeGreaterThan(1);
    mnistFromPackage(req);
    expect(cachedHere()).toEqual(had);
    const saved = Object.fromEntries(had.map((k) => [k, req.cache[k]]));
    for (const k of had) delete req.cache[k];
    try {
      const split = mnistFromPackage(req);
      expect([split.train.size, split.test.size]).toEqual([8000, 2000]);
      expect(Buffer.from(split.train.x.buffer).equals(Buffer.from(loadMnist().train.x.buffer))).toBe(true);
      expect(cachedHere()).toEqual([]);
    } finally {
      Object.assign(req.cache, saved);
    }
  });
});
