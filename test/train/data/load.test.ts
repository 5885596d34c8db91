import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { encodeNpy } from '../../../src/io/npy.js';
import {
  batchOf,
  checkCompatible,
  filterClasses,
  subset,
  takePerClass,
  type Dataset,
} from '../../../src/train/data/dataset.js';
import { loadDataset, padCentred } from '../../../src/train/data/load.js';
import { loadMnist } from '../../../src/train/data/mnist.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgetune-load-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as Error,
  );
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

/** Six rows of [2] samples: row r holds [10r, 10r + 1]; labels 2,0,1,0,2,0. */
function toy(): Dataset {
  const x = new Float32Array(12);
  for (let r = 0; r < 6; r++) x.set([10 * r, 10 * r + 1], 2 * r);
  return {
    name: 'toy',
    size: 6,
    sampleShape: [2],
    x,
    labels: Int32Array.from([2, 0, 1, 0, 2, 0]),
    classes: ['zero', 'one', 'two'],
  };
}

const firstValues = (d: { x: Float32Array }, width = 2): number[] =>
  Array.from({ length: d.x.length / width }, (_, i) => d.x[i * width]!);

describe('dataset helpers', () => {
  it('subset copies rows in the given order, repeats included', () => {
    const d = toy();
    const s = subset(d, [4, 1, 1]);
    expect(s.size).toBe(3);
    expect(Array.from(s.x)).toEqual([40, 41, 10, 11, 10, 11]);
    expect(Array.from(s.labels!)).toEqual([2, 0, 0]);
    expect(s.classes).toEqual(d.classes);
    s.x[0] = -1;
    expect(d.x[8]).toBe(40);
    expect(thrown(() => subset(d, [6]))).toBeInstanceOf(InputError);
    expect(thrown(() => subset(d, [1.5])).message).toMatch(/row index 1.5/);
  });

  it('subset carries float targets of width K', () => {
    const d: Dataset = { name: 't', size: 3, sampleShape: [1], x: Float32Array.from([0, 1, 2]), targets: Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5]), targetWidth: 2 };
    const s = subset(d, [2, 0]);
    expect(Array.from(s.targets!)).toEqual([2, 2.5, 0, 0.5]);
    expect(s.targetWidth).toBe(2);
    expect(s.labels).toBeUndefined();
  });

  it('batchOf gathers rows with dims [B, ...sampleShape] or a given per-sample shape', () => {
    const d: Dataset = { ...toy(), sampleShape: [1, 2] };
    const b = batchOf(d, [3, 0]);
    expect(b.dims).toEqual([2, 1, 2]);
    expect(Array.from(b.x)).toEqual([30, 31, 0, 1]);
    expect(Array.from(b.labels!)).toEqual([0, 2]);
    expect(b.targets).toBeUndefined();
    expect(batchOf(d, [5], [2]).dims).toEqual([1, 2]);
    expect(thrown(() => batchOf(d, [0], [3]))).toBeInstanceOf(InputError);
    expect(thrown(() => batchOf(d, [-1]))).toBeInstanceOf(InputError);
  });

  it('filterClasses keeps rows of the listed classes and can relabel them', () => {
    const d = toy();
    const kept = filterClasses(d, [2, 1]);
    expect(firstValues(kept)).toEqual([0, 20, 40]);
    expect(Array.from(kept.labels!)).toEqual([2, 1, 2]);
    expect(kept.classes).toEqual(['zero', 'one', 'two']);
    const re = filterClasses(d, [2, 1], true);
    expect(Array.from(re.labels!)).toEqual([0, 1, 0]);
    expect(re.classes).toEqual(['two', 'one']);
    expect(thrown(() => filterClasses(d, [1, 1]))).toBeInstanceOf(InputError);
    expect(thrown(() => filterClasses(d, [3])).message).toMatch(/class 3 is outside/);
    const { labels: _, ...unlabelled } = d;
    expect(thrown(() => filterClasses(unlabelled, [0])).message).toMatch(/no class labels/);
  });

  it('takePerClass keeps the first rows of each class in row order', () => {
    const d = toy();
    const t = takePerClass(d, 2);
    // class 0 rows 1,3,5 -> 1,3; class 1 row 2; class 2 rows 0,4
    expect(firstValues(t)).toEqual([0, 10, 20, 30, 40]);
    expect(firstValues(takePerClass(d, 1))).toEqual([0, 10, 20]);
    expect(takePerClass(d, 0).size).toBe(0);
  });

  it('takePerClass with a seed draws a deterministic per-class sample', () => {
    const n = 60;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
    const d: Dataset = { name: 'big', size: n, sampleShape: [1], x: Float32Array.from({ length: n }, (_, i) => i), labels };
    const a = takePerClass(d, 4, 7);
    const b = takePerClass(d, 4, 7);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    const rows = Array.from(a.x);
    expect(rows).toEqual([...rows].sort((p, q) => p - q));
    for (let c = 0; c < 3; c++) expect(rows.filter((r) => r % 3 === c)).toHaveLength(4);
    expect(rows).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const other = Array.from(takePerClass(d, 4, 8).x);
    expect(other).not.toEqual(rows);
  });

  it('checkCompatible demands equal fixed dims and lets symbolic ones match', () => {
    const d: Dataset = { name: 'm', size: 1, sampleShape: [1, 28, 28], x: new Float32Array(784) };
    checkCompatible(d, ['N', 1, 28, 28], 'src');
    checkCompatible(d, [1, 1, 'H', 'W'], 'src');
    checkCompatible(d, undefined, 'src');
    for (const shape of [['N', 784], ['N', 3, 28, 28], ['N', 1, 28, 28, 1], ['N', 1, 32, 32], []]) {
      const e = thrown(() => checkCompatible(d, shape, 'my-data'));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/^my-data: samples of shape \[1,28,28\]/);
    }
  });

  it('padCentred puts the image in the middle of a zero border', () => {
    const d: Dataset = { name: 'p', size: 2, sampleShape: [1, 2, 3], x: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) };
    const p = padCentred(d, 4, 6);
    expect(p.sampleShape).toEqual([1, 4, 6]);
    // rows above: floor(2/2) = 1, columns to the left: floor(3/2) = 1
    // prettier-ignore
    expect(Array.from(p.x.subarray(0, 24))).toEqual([
      0, 0, 0, 0, 0, 0,
      0, 1, 2, 3, 0, 0,
      0, 4, 5, 6, 0, 0,
      0, 0, 0, 0, 0, 0,
    ]);
    expect(Array.from(p.x.subarray(24 + 6 + 1, 24 + 6 + 4))).toEqual([7, 8, 9]);
  });
});

describe('loadDataset', () => {
  const mnist = loadMnist();

  it("loads 'mnist' splits for a [N,1,28,28] input", async () => {
    const train = await loadDataset('mnist', { inputShape: ['N', 1, 28, 28], split: 'train' });
    const test = await loadDataset('mnist', { inputShape: undefined, split: 'test' });
    expect(train.size).toBe(8000);
    expect(test.size).toBe(2000);
    expect(test.x[784 + 300]).toBe(mnist.test.x[784 + 300]);
  });

  it("zero-pads 'mnist' digits, centred, for a [N,1,32,32] input", async () => {
    const d = await loadDataset('mnist', { inputShape: [1, 1, 32, 32], split: 'test' });
    expect(d.sampleShape).toEqual([1, 32, 32]);
    expect(d.size).toBe(2000);
    let mismatches = 0;
    for (const r of [0, 1234, 1999]) {
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
          const want = inside ? mnist.test.x[r * 784 + (y - 2) * 28 + (x - 2)]! : 0;
          if (d.x[r * 1024 + y * 32 + x] !== want) mismatches++;
        }
      }
    }
    expect(mismatches).toBe(0);
    expect(mnist.test.sampleShape).toEqual([1, 28, 28]);
  });

  it("normalises 'mnist' as 0..255 pixels when scale, mean or std are given", async () => {
    const d = await loadDataset('mnist', { inputShape: undefined, split: 'test', mean: [0.5], std: [0.25] });
    for (const i of [0, 400, 5000, 1_000_000]) expect(d.x[i]).toBeCloseTo((mnist.test.x[i]! - 0.5) / 0.25, 5);
    const s = await loadDataset('mnist', { inputShape: undefined, split: 'test', scale: 1 });
    expect(s.x[400]).toBeCloseTo(mnist.test.x[400]! * 255, 3);
    const e = await rejection(loadDataset('mnist', { inputShape: undefined, split: 'test', mean: [0, 0, 0] }));
    expect(e).toBeInstanceOf(InputError);
  });

  it("refuses 'mnist' for other input shapes, naming the spec", async () => {
    for (const inputShape of [['N', 3, 28, 28], ['N', 784], ['N', 1, 64, 64]]) {
      const e = await rejection(loadDataset('mnist', { inputShape, split: 'train' }));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/^mnist: /);
    }
  });

  it('loads a folder holding x.npy and checks its samples', async () => {
    const dir = join(root, 'npy');
    await mkdir(dir);
    await writeFile(join(dir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [2, 3, 2, 2], data: new Float32Array(24).fill(0.5) }));
    await writeFile(join(dir, 'y.npy'), encodeNpy({ dtype: 'int32', shape: [2], data: Int32Array.from([1, 0]) }));
    const d = await loadDataset(dir, { inputShape: ['B', 3, 2, 2], split: 'train' });
    expect(d.size).toBe(2);
    expect(Array.from(d.labels!)).toEqual([1, 0]);
    const e = await rejection(loadDataset(dir, { inputShape: ['B', 1, 2, 2], split: 'train' }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message.startsWith(`${dir}: `)).toBe(true);
    const n = await rejection(loadDataset(dir, { inputShape: undefined, split: 'train', std: [2, 2, 2] }));
    expect(n.message).toMatch(/do not apply to \.npy data/);
  });

  it('loads a folder of class sub-folders at the model input size', async () => {
    const dir = join(root, 'images');
    const img = new PNG({ width: 3, height: 3 });
    img.data = Buffer.alloc(36, 255);
    for (const c of ['cat', 'dog']) {
      await mkdir(join(dir, c), { recursive: true });
      await writeFile(join(dir, c, 'a.png'), PNG.sync.write(img));
    }
    const d = await loadDataset(dir, { inputShape: [1, 3, 5, 4], split: 'test', mean: [1, 1, 1] });
    expect(d.sampleShape).toEqual([3, 5, 4]);
    expect(d.classes).toEqual(['cat', 'dog']);
    expect(Array.from(d.labels!)).toEqual([0, 1]);
    d.x.forEach((v) => expect(v).toBeCloseTo(0, 6));
    for (const inputShape of [undefined, ['N', 3, 'H', 'W'], ['N', 2, 5, 4], ['N', 60]]) {
      const e = await rejection(loadDataset(dir, { inputShape, split: 'train' }));
      expect(e).toBeInstanceOf(InputError);
      expect(e.message).toMatch(/image folder needs a model input of fixed shape/);
    }
  });

  it('labels an --eval split with the training classes', async () => {
    const img = new PNG({ width: 2, height: 2 });
    img.data = Buffer.alloc(16, 255);
    const train = join(root, 'train-classes');
    const val = join(root, 'val-classes');
    for (const c of ['10', '2', 'b']) {
      await mkdir(join(train, c), { recursive: true });
      await writeFile(join(train, c, 'a.png'), PNG.sync.write(img));
    }
    for (const c of ['b', '10']) {
      await mkdir(join(val, c), { recursive: true });
      await writeFile(join(val, c, 'a.png'), PNG.sync.write(img));
    }
    await writeFile(join(val, 'b', 'notes.txt'), 'x');
    const inputShape = ['N', 1, 2, 2];
    const t = await loadDataset(train, { inputShape, split: 'train' });
    expect(t.classes).toEqual(['2', '10', 'b']);
    const v = await loadDataset(val, { inputShape, split: 'test', classes: t.classes! });
    expect(v.classes).toEqual(['2', '10', 'b']);
    expect(Array.from(v.labels!)).toEqual([1, 2]);
    expect(v.warnings).toEqual([`${val}: class '2' has no images in this split`, `${val}: skipped 1 non-image file (first: ${join('b', 'notes.txt')})`]);
    // numbered separately, the --eval folder would have labelled '10' as 0
    expect(Array.from((await loadDataset(val, { inputShape, split: 'test' })).labels!)).toEqual([0, 1]);
    const e = await rejection(loadDataset(train, { inputShape, split: 'test', classes: ['2', '10'] }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toContain(join(train, 'b'));
  });

  it('holds other datasets to the training classes', async () => {
    const dir = join(root, 'npy-classes');
    await mkdir(dir);
    await writeFile(join(dir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [2, 2], data: new Float32Array(4) }));
    await writeFile(join(dir, 'y.npy'), encodeNpy({ dtype: 'int32', shape: [2], data: Int32Array.from([2, 0]) }));
    const plain = await loadDataset(dir, { inputShape: undefined, split: 'test' });
    expect(plain.classes).toBeUndefined();
    const named = await loadDataset(dir, { inputShape: undefined, split: 'test', classes: ['a', 'b', 'c'] });
    expect(named.classes).toEqual(['a', 'b', 'c']);
    const e = await rejection(loadDataset(dir, { inputShape: undefined, split: 'test', classes: ['a', 'b'] }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/label 2 at row 0 is outside the 2 training classes/);
    const digits = Array.from({ length: 10 }, (_, i) => String(i));
    expect((await loadDataset('mnist', { inputShape: undefined, split: 'test', classes: digits })).classes).toEqual(digits);
    const m = await rejection(loadDataset('mnist', { inputShape: undefined, split: 'test', classes: ['cat', 'dog'] }));
    expect(m.message).toMatch(/^mnist: its classes .* differ from the 2 training classes/);
  });

  it('broadcasts one mean and std value over the channels of an image folder', async () => {
    const dir = join(root, 'images-broadcast');
    const img = new PNG({ width: 2, height: 2 });
    img.data = Buffer.from([10, 20, 30, 255, 40, 50, 60, 255, 70, 80, 90, 255, 100, 110, 120, 255]);
    await mkdir(join(dir, 'k'), { recursive: true });
    await writeFile(join(dir, 'k', 'a.png'), PNG.sync.write(img));
    const d = await loadDataset(dir, { inputShape: [1, 3, 2, 2], split: 'train', scale: 1, mean: [10], std: [2] });
    expect(Array.from(d.x)).toEqual([0, 15, 30, 45, 5, 20, 35, 50, 10, 25, 40, 55]);
  });

  it('names a spec that is neither mnist nor a folder', async () => {
    const missing = join(root, 'nope');
    const e = await rejection(loadDataset(missing, { inputShape: undefined, split: 'train' }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file or folder`));
    const file = join(root, 'plain.txt');
    await writeFile(file, 'x');
    expect((await rejection(loadDataset(file, { inputShape: undefined, split: 'train' }))).message).toMatch(/is not a folder/);
  });
});
