import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { FormatError } from '../../../src/io/errors.js';
import { encodeNpy, type NpyArray } from '../../../src/io/npy.js';
import { loadNpyDir } from '../../../src/train/data/npy-dir.js';

let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgetune-npy-dir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh folder holding the given arrays as x.npy / y.npy (a missing one is not written). */
async function folder(x?: NpyArray, y?: NpyArray): Promise<string> {
  const dir = join(root, `case-${count++}`);
  await mkdir(dir);
  if (x) await writeFile(join(dir, 'x.npy'), encodeNpy(x));
  if (y) await writeFile(join(dir, 'y.npy'), encodeNpy(y));
  return dir;
}

const x23: NpyArray = { dtype: 'float32', shape: [2, 1, 3], data: Float32Array.from([0.5, -1, 2, 3, 4.25, -5]) };
const labels2: NpyArray = { dtype: 'int64', shape: [2], data: BigInt64Array.from([3n, 0n]) };

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('loadNpyDir', () => {
  it('reads float32 inputs and int64 labels', async () => {
    const dir = await folder(x23, labels2);
    const d = await loadNpyDir(dir);
    expect(d.name).toBe(dir);
    expect(d.size).toBe(2);
    expect(d.sampleShape).toEqual([1, 3]);
    expect(Array.from(d.x)).toEqual([0.5, -1, 2, 3, 4.25, -5]);
    expect(d.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(d.labels!)).toEqual([3, 0]);
    expect(d.targets).toBeUndefined();
  });

  it('reads int32 labels', async () => {
    const d = await loadNpyDir(await folder(x23, { dtype: 'int32', shape: [2], data: Int32Array.from([1, 2]) }));
    expect(Array.from(d.labels!)).toEqual([1, 2]);
  });

  it('reads float32 [N,K] targets', async () => {
    const y: NpyArray = { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) };
    const d = await loadNpyDir(await folder(x23, y));
    expect(d.labels).toBeUndefined();
    expect(d.targetWidth).toBe(2);
    expect(Array.from(d.targets!)).toEqual(Array.from(Float32Array.from([0.1, 0.2, 0.3, 0.4])));
  });

  it('converts float64 and uint8 inputs to float32 without rescaling', async () => {
    const f64: NpyArray = { dtype: 'float64', shape: [2, 2], data: Float64Array.from([0.1, 1e10, -3, 7]) };
    const a = await loadNpyDir(await folder(f64, labels2));
    expect(a.x).toBeInstanceOf(Float32Array);
    expect(Array.from(a.x)).toEqual([Math.fround(0.1), Math.fround(1e10), -3, 7]);
    const u8: NpyArray = { dtype: 'uint8', shape: [2, 2, 1], data: Uint8Array.from([0, 255, 128, 1]) };
    const b = await loadNpyDir(await folder(u8, labels2));
    expect(b.sampleShape).toEqual([2, 1]);
    expect(Array.from(b.x)).toEqual([0, 255, 128, 1]);
  });

  it('names the missing file', async () => {
    const noY = await folder(x23);
    const e = await failure(loadNpyDir(noY));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(join(noY, 'y.npy'));
    const noX = await folder(undefined, labels2);
    expect((await failure(loadNpyDir(noX))).message).toContain(join(noX, 'x.npy'));
  });

  it('refuses a row-count mismatch', async () => {
    const y3: NpyArray = { dtype: 'int64', shape: [3], data: BigInt64Array.from([0n, 1n, 2n]) };
    const e = await failure(loadNpyDir(await folder(x23, y3)));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/y\.npy: holds 3 labels but x\.npy holds 2 samples/);
    const t3: NpyArray = { dtype: 'float32', shape: [3, 1], data: new Float32Array(3) };
    expect((await failure(loadNpyDir(await folder(x23, t3)))).message).toMatch(/3 target rows but x\.npy holds 2/);
  });

  it('refuses negative and oversized labels', async () => {
    const neg: NpyArray = { dtype: 'int32', shape: [2], data: Int32Array.from([0, -1]) };
    const e = await failure(loadNpyDir(await folder(x23, neg)));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/y\.npy: label -1 at row 1 is negative/);
    const big: NpyArray = { dtype: 'int64', shape: [2], data: BigInt64Array.from([0n, 1n << 40n]) };
    expect((await failure(loadNpyDir(await folder(x23, big)))).message).toMatch(/too large/);
  });

  it('refuses other label dtypes and shapes', async () => {
    const cases: NpyArray[] = [
      { dtype: 'float64', shape: [2], data: Float64Array.from([0, 1]) },
      { dtype: 'uint8', shape: [2], data: Uint8Array.from([0, 1]) },
      { dtype: 'float32', shape: [2], data: Float32Array.from([0, 1]) },
      { dtype: 'int64', shape: [2, 1], data: BigInt64Array.from([0n, 1n]) },
      { dtype: 'float32', shape: [2, 1, 1], data: Float32Array.from([0, 1]) },
    ];
    for (const y of cases) {
      const e = await failure(loadNpyDir(await folder(x23, y)));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/y\.npy: /);
      expect(e.message).not.toContain('\n');
    }
  });

  it('refuses other input dtypes and shapes', async () => {
    const cases: NpyArray[] = [
      { dtype: 'int32', shape: [2, 1], data: Int32Array.from([0, 1]) },
      { dtype: 'float32', shape: [2], data: Float32Array.from([0, 1]) },
      { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) },
    ];
    for (const x of cases) {
      const e = await failure(loadNpyDir(await folder(x, labels2)));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/x\.npy: /);
    }
  });

  it('refuses non-finite inputs and targets', async () => {
    const xNan: NpyArray = { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0, 1, NaN, 2]) };
    expect((await failure(loadNpyDir(await folder(xNan, labels2)))).message).toMatch(/x\.npy: value NaN at sample 1/);
    const yInf: NpyArray = { dtype: 'float32', shape: [2, 1], data: Float32Array.from([0, Infinity]) };
    expect((await failure(loadNpyDir(await folder(x23, yInf)))).message).toMatch(/y\.npy: target Infinity at row 1/);
  });

  it('reports a corrupt file as a FormatError naming it', async () => {
    const dir = await folder(undefined, labels2);
    await writeFile(join(dir, 'x.npy'), 'not numpy');
    const e = await failure(loadNpyDir(dir));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(join(dir, 'x.npy'));
  });
});
