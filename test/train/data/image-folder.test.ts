import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { FormatError } from '../../../src/io/errors.js';
import { loadImageFolder } from '../../../src/train/data/image-folder.js';

let root: string;
let count = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgetune-image-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** RGBA bytes of a width×height image whose pixels are the given RGB triples, row by row. */
function rgba(pixels: [number, number, number][]): Buffer {
  const out = Buffer.alloc(pixels.length * 4);
  pixels.forEach(([r, g, b], i) => out.set([r, g, b, 255], 4 * i));
  return out;
}

function png(width: number, height: number, pixels: [number, number, number][]): Buffer {
  const img = new PNG({ width, height });
  img.data = rgba(pixels);
  return PNG.sync.write(img);
}

function solidPng(width: number, height: number, v: number): Buffer {
  return png(width, height, new Array(width * height).fill([v, v, v]));
}

/** Writes `files` (relative path -> bytes; a path ending in '/' is an empty folder) under a fresh folder. */
async function tree(files: Record<string, Buffer | string>): Promise<string> {
  const dir = join(root, `case-${count++}`);
  await mkdir(dir);
  for (const [rel, bytes] of Object.entries(files)) {
    const p = join(dir, rel);
    if (rel.endsWith('/')) {
      await mkdir(p, { recursive: true });
      continue;
    }
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(p, bytes);
  }
  return dir;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

const gray = { channels: 1 as const, height: 2, width: 2 };

describe('loadImageFolder', () => {
  it('labels class folders and orders files in natural order', async () => {
    const dir = await tree({
      'b_cat/2.png': solidPng(2, 2, 20),
      'b_cat/10.png': solidPng(2, 2, 10),
      'b_cat/1.PNG': solidPng(2, 2, 1),
      'a_dog/x.png': solidPng(2, 2, 200),
      'C/z.png': solidPng(2, 2, 100),
    });
    const d = await loadImageFolder(dir, { ...gray, scale: 1 });
    expect(d.name).toBe(dir);
    // case-insensitive, and '2' before '10'
    expect(d.classes).toEqual(['a_dog', 'b_cat', 'C']);
    expect(d.size).toBe(5);
    expect(d.sampleShape).toEqual([1, 2, 2]);
    expect(Array.from(d.labels!)).toEqual([0, 1, 1, 1, 2]);
    const firstPixel = [0, 1, 2, 3, 4].map((r) => d.x[r * 4]!);
    [200, 1, 20, 10, 100].forEach((v, i) => expect(firstPixel[i]).toBeCloseTo(v, 3));
    expect(d.warnings).toEqual([]);
  });

  it('numbers class folders named by numbers in numeric order', async () => {
    const names = ['10', '2', '1', 'class10', 'class2', 'Class1'];
    const files: Record<string, Buffer> = {};
    names.forEach((n, i) => (files[`${n}/a.png`] = solidPng(2, 2, i)));
    const d = await loadImageFolder(await tree(files), { ...gray, scale: 1 });
    expect(d.classes).toEqual(['1', '2', '10', 'Class1', 'class2', 'class10']);
    // label i holds the image written for classes[i]
    d.classes!.forEach((c, label) => expect(d.x[label * 4]).toBeCloseTo(names.indexOf(c), 3));
  });

  it('writes CHW samples normalised as (pixel * scale - mean[c]) / std[c]', async () => {
    const px: [number, number, number][] = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]];
    const dir = await tree({ 'only/a.png': png(2, 2, px) });
    const rgb = await loadImageFolder(dir, { channels: 3, height: 2, width: 2, scale: 1, mean: [1, 2, 3], std: [2, 2, 2] });
    expect(Array.from(rgb.x)).toEqual([4.5, 19.5, 34.5, 49.5, 9, 24, 39, 54, 13.5, 28.5, 43.5, 58.5]);
    const luma = await loadImageFolder(dir, gray);
    const want = px.map(([r, g, b]) => (0.299 * r + 0.587 * g + 0.114 * b) / 255);
    Array.from(luma.x).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('resizes to the requested size and reads JPEGs', async () => {
    const jpg = encodeJpeg({ width: 8, height: 8, data: rgba(new Array(64).fill([128, 128, 128])) }, 95).data;
    const dir = await tree({ 'k/a.png': solidPng(5, 3, 51), 'k/b.JPEG': jpg, 'k/c.jpg': jpg });
    const d = await loadImageFolder(dir, { channels: 1, height: 4, width: 4 });
    expect(d.size).toBe(3);
    expect(d.x.length).toBe(3 * 16);
    for (let i = 0; i < 16; i++) expect(d.x[i]).toBeCloseTo(0.2, 5);
    for (let i = 16; i < 48; i++) expect(Math.abs(d.x[i]! - 128 / 255)).toBeLessThan(3 / 255);
  });

  it('ignores hidden files and folders, counting the hidden files of class folders', async () => {
    const dir = await tree({
      '.cache/a.png': solidPng(2, 2, 1),
      '.DS_Store': 'x',
      'one/.DS_Store': 'x',
      'one/.thumb.png': 'junk',
      'one/.hidden/': '',
      'one/a.png': solidPng(2, 2, 1),
    });
    const d = await loadImageFolder(dir, gray);
    expect(d.classes).toEqual(['one']);
    expect(d.size).toBe(1);
    expect(d.warnings).toHaveLength(1);
    expect(d.warnings![0]).toMatch(/^.*: skipped 2 non-image files \(first: one[\\/]\./);
  });

  it('skips stray non-image files, reporting their number once', async () => {
    const dir = await tree({
      'a/x.png': solidPng(2, 2, 1),
      'a/notes.txt': 'x',
      'a/Thumbs.db': 'x',
      'b/y.jpeg.bak': 'x',
      'b/y.png': solidPng(2, 2, 2),
      'README': 'x',
    });
    const d = await loadImageFolder(dir, gray);
    expect(d.size).toBe(2);
    expect(d.classes).toEqual(['a', 'b']);
    expect(d.warnings).toEqual([`${dir}: skipped 4 non-image files (first: README)`]);
    const one = await tree({ 'a/x.png': solidPng(2, 2, 1), 'a/readme.txt': 'x' });
    expect((await loadImageFolder(one, gray)).warnings).toEqual([`${one}: skipped 1 non-image file (first: ${join('a', 'readme.txt')})`]);
    // a class folder of non-image files only is still an empty class
    const hollow = await tree({ 'a/x.png': solidPng(2, 2, 1), 'b/notes.txt': 'x' });
    expect((await failure(loadImageFolder(hollow, gray))).message).toContain(`${join(hollow, 'b')}: class folder holds no`);
  });

  it('labels a validation folder with the given training classes', async () => {
    const train = await tree({
      'cat/a.png': solidPng(2, 2, 1), 'dog/a.png': solidPng(2, 2, 2), 'emu/a.png': solidPng(2, 2, 3),
    });
    const classes = (await loadImageFolder(train, gray)).classes!;
    expect(classes).toEqual(['cat', 'dog', 'emu']);
    // 'cat' is absent and 'emu' is empty here; 'dog' and 'emu' keep labels 1 and 2
    const val = await tree({ 'dog/b.png': solidPng(2, 2, 5), 'emu/': '' });
    const d = await loadImageFolder(val, { ...gray, scale: 1, classes });
    expect(d.classes).toEqual(classes);
    expect(Array.from(d.labels!)).toEqual([1]);
    expect(d.x[0]).toBeCloseTo(5, 3);
    expect(d.warnings).toEqual([`${val}: class 'cat' has no images in this split`, `${val}: class 'emu' has no images in this split`]);
    // the given list decides the order, not the folder names
    const reordered = await loadImageFolder(train, { ...gray, scale: 1, classes: ['emu', 'cat', 'dog'] });
    expect(Array.from(reordered.labels!)).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((r) => Math.round(reordered.x[r * 4]!))).toEqual([3, 1, 2]);
  });

  it('refuses a validation class folder that is not a training class, naming the folder', async () => {
    const val = await tree({ 'dog/b.png': solidPng(2, 2, 5), 'wolf/c.png': solidPng(2, 2, 5) });
    const e = await failure(loadImageFolder(val, { ...gray, classes: ['cat', 'dog'] }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toBe(`${join(val, 'wolf')}: class 'wolf' is not one of the 2 training classes ('cat', 'dog')`);
    const none = await tree({ 'dog/': '' });
    expect((await failure(loadImageFolder(none, { ...gray, classes: ['cat', 'dog'] }))).message).toMatch(/holds no \.png.* of the 2 classes/);
    for (const bad of [[], ['a', 'a'], ['a', '']]) {
      expect(await failure(loadImageFolder(val, { ...gray, classes: bad }))).toBeInstanceOf(InputError);
    }
  });

  it('refuses a folder without class folders, or a class without images', async () => {
    const empty = await tree({ 'notes.txt': 'hi' });
    const e1 = await failure(loadImageFolder(empty, gray));
    expect(e1).toBeInstanceOf(InputError);
    expect(e1.message).toMatch(/holds no class sub-folders/);
    const hollow = await tree({ 'a/x.png': solidPng(2, 2, 1), 'b/': '' });
    const e2 = await failure(loadImageFolder(hollow, gray));
    expect(e2.message).toContain(join(hollow, 'b'));
    expect(e2.message).toMatch(/holds no \.png/);
    expect((await failure(loadImageFolder(join(root, 'missing'), gray))).message).toMatch(/no such folder/);
  });

  it('refuses nested folders and loose images', async () => {
    const nested = await tree({ 'a/x.png': solidPng(2, 2, 1), 'a/deeper/y.png': solidPng(2, 2, 1) });
    expect((await failure(loadImageFolder(nested, gray))).message).toContain(join(nested, 'a', 'deeper'));
    const loose = await tree({ 'a/x.png': solidPng(2, 2, 1), 'y.png': solidPng(2, 2, 1) });
    expect((await failure(loadImageFolder(loose, gray))).message).toMatch(/must lie in class sub-folders/);
  });

  it('reports a corrupt image as a FormatError naming the file', async () => {
    const good = solidPng(2, 2, 1);
    const dir = await tree({ 'a/x.png': good, 'a/y.png': good.subarray(0, 40) });
    const e = await failure(loadImageFolder(dir, gray));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toContain(join(dir, 'a', 'y.png'));
    expect(e.message).not.toContain('\n');
  });

  it('refuses more images than the limit before decoding any', async () => {
    // the junk bytes would fail to decode, so the count must be checked first
    const dir = await tree({ 'a/1.png': 'junk', 'a/2.png': 'junk', 'b/3.png': 'junk' });
    const e = await failure(loadImageFolder(dir, { ...gray, maxImages: 2 }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/holds more than 2 images/);
  });

  it('refuses a bad size or normalisation as an InputError', async () => {
    const dir = await tree({ 'a/x.png': solidPng(2, 2, 1) });
    expect(await failure(loadImageFolder(dir, { ...gray, height: 0 }))).toBeInstanceOf(InputError);
    const e = await failure(loadImageFolder(dir, { ...gray, mean: [0, 0, 0] }));
    expect(e).toBeInstanceOf(InputError);
    expect(e.message).toMatch(/mean/);
  });

  it('applies a single mean and std to every channel', async () => {
    const px: [number, number, number][] = [[10, 20, 30], [40, 50, 60], [70, 80, 90], [100, 110, 120]];
    const dir = await tree({ 'only/a.png': png(2, 2, px) });
    const one = await loadImageFolder(dir, { channels: 3, height: 2, width: 2, scale: 1, mean: [5], std: [5] });
    const three = await loadImageFolder(dir, { channels: 3, height: 2, width: 2, scale: 1, mean: [5, 5, 5], std: [5, 5, 5] });
    expect(Array.from(one.x)).toEqual(Array.from(three.x));
    expect(one.x[4]).toBe(3); // green of the first pixel: (20 - 5) / 5
  });
});
