/**
 * Datasets stored as a folder of class sub-folders holding PNG or JPEG
 * images (the layout of torchvision's ImageFolder): `dir/<class>/<image>`.
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors.js';
import { decodeImage, type ImageSpec } from '../../io/images.js';
import { readFileBytes } from '../../node/files.js';
import type { Dataset } from './dataset.js';

export interface ImageFolderSpec extends Omit<ImageSpec, 'maxPixels'> {
  /** Most images the folder may hold; default (and upper bound) MAX_IMAGES. */
  maxImages?: number;
}

/** Most images one folder may hold. */
export const MAX_IMAGES = 200_000;
/** Most float32 values the decoded dataset may hold (4 GiB). */
const MAX_VALUES = 2 ** 30;
const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Plain code-unit order, so the class order does not depend on the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

async function listFolder(dir: string): Promise<Dirent[]> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'is not a folder' : `cannot list (${code ?? String(e)})`;
    throw new InputError(`${dir}: ${why}`);
  }
}

/** Kind of a folder entry, following symbolic links. */
async function kindOf(dir: string, e: Dirent): Promise<'dir' | 'file' | 'other'> {
  let isDir = e.isDirectory();
  let isFile = e.isFile();
  if (e.isSymbolicLink()) {
    try {
      const st = await fs.stat(path.join(dir, e.name));
      isDir = st.isDirectory();
      isFile = st.isFile();
    } catch {
      throw new InputError(`${path.join(dir, e.name)}: is a broken symbolic link`);
    }
  }
  return isDir ? 'dir' : isFile ? 'file' : 'other';
}

/** The image files of one class folder, sorted by name; anything else that is not hidden is an error. */
async function classImages(classDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of await listFolder(classDir)) {
    if (e.name.startsWith('.')) continue;
    const file = path.join(classDir, e.name);
    const kind = await kindOf(classDir, e);
    if (kind === 'dir') throw new InputError(`${file}: class folders may not contain sub-folders`);
    if (kind !== 'file' || !IMAGE_EXT.test(e.name)) {
      throw new InputError(`${file}: is not a .png, .jpg or .jpeg image (remove it or prefix its name with '.')`);
    }
    files.push(e.name);
  }
  if (files.length === 0) throw new InputError(`${classDir}: class folder holds no .png, .jpg or .jpeg images`);
  return files.sort(byName).map((f) => path.join(classDir, f));
}

/** The class folder names of `dir`, sorted; an image lying outside any class folder is an error. */
async function classFolders(dir: string): Promise<string[]> {
  const classes: string[] = [];
  for (const e of await listFolder(dir)) {
    if (e.name.startsWith('.')) continue;
    const kind = await kindOf(dir, e);
    if (kind === 'dir') classes.push(e.name);
    else if (IMAGE_EXT.test(e.name)) {
      throw new InputError(`${path.join(dir, e.name)}: images must lie in class sub-folders (${dir}/<class>/<image>)`);
    }
  }
  if (classes.length === 0) throw new InputError(`${dir}: holds no class sub-folders (expected ${dir}/<class>/<image>)`);
  return classes.sort(byName);
}

function decodeSpec(dir: string, spec: ImageFolderSpec): ImageSpec {
  const { channels, height, width } = spec;
  if (channels !== 1 && channels !== 3) throw new InputError(`${dir}: image channels must be 1 or 3, got ${String(channels)}`);
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new InputError(`${dir}: image size ${height}x${width} is not two positive integers`);
  }
  const out: ImageSpec = { channels, height, width };
  if (spec.scale !== undefined) out.scale = spec.scale;
  if (spec.mean !== undefined) out.mean = spec.mean;
  if (spec.std !== undefined) out.std = spec.std;
  return out;
}

/**
 * Loads `dir/<class>/<image>`: the class sub-folders, sorted by name (plain
 * code-unit order), give the labels 0, 1, … and the class names; within each
 * class the .png/.jpg/.jpeg files (extension case-insensitive), sorted by
 * name, give the rows. Each image is decoded by decodeImage to a
 * [channels, height, width] sample: luma or RGB, bilinear resize, then
 * (pixel · scale − mean[c]) / std[c] with pixel in 0..255.
 *
 * Entries whose names start with '.' are ignored; nothing else is skipped:
 * no class folders, an empty class folder, a nested folder, a file of another
 * type inside a class folder, an image outside any class folder, a corrupt
 * image (FormatError naming the file), more than `maxImages` images (at
 * most and by default 200,000, counted before any decoding), or more than
 * 2^30 decoded values are all errors. The dataset is named `dir`.
 */
export async function loadImageFolder(dir: string, spec: ImageFolderSpec): Promise<Dataset> {
  const imageSpec = decodeSpec(dir, spec);
  const maxImages = Math.min(spec.maxImages ?? MAX_IMAGES, MAX_IMAGES);
  const classes = await classFolders(dir);
  const perClass: string[][] = [];
  let total = 0;
  for (const c of classes) {
    const files = await classImages(path.join(dir, c));
    total += files.length;
    if (total > maxImages) throw new InputError(`${dir}: holds more than ${maxImages} images`);
    perClass.push(files);
  }
  const sample = spec.channels * spec.height * spec.width;
  if (total * sample > MAX_VALUES) {
    throw new InputError(`${dir}: ${total} images of ${spec.channels}x${spec.height}x${spec.width} exceed ${MAX_VALUES} values (4 GiB)`);
  }
  const x = new Float32Array(total * sample);
  const labels = new Int32Array(total);
  let row = 0;
  for (let label = 0; label < perClass.length; label++) {
    for (const file of perClass[label]!) {
      const bytes = await readFileBytes(file);
      let img: Float32Array;
      try {
        img = decodeImage(bytes, imageSpec, file);
      } catch (e) {
        if (e instanceof RangeError) throw new InputError(`${dir}: ${e.message}`);
        throw e;
      }
      x.set(img, row * sample);
      labels[row++] = label;
    }
  }
  return { name: dir, size: total, sampleShape: [spec.channels, spec.height, spec.width], x, labels, classes };
}
