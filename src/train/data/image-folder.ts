/**
 * Datasets stored as a folder of class sub-folders holding PNG or JPEG
 * images (the layout of torchvision's ImageFolder): `dir/<class>/<image>`.
 */
import { promises as fs, type Dirent } from 'node:fs';
import * as path from 'node:path';
import { InputError, printable } from '../../errors.js';
import { decodeImage, type ImageSpec } from '../../io/images.js';
import { readFileBytes } from '../../node/files.js';
import type { Dataset } from './dataset.js';
import { naturalCompare } from './natural-order.js';

export interface ImageFolderSpec extends Omit<ImageSpec, 'maxPixels'> {
  /** Most images the folder may hold; default (and upper bound) MAX_IMAGES. */
  maxImages?: number;
  /**
   * The class list to label with, normally the training folder's `classes`
   * when loading a validation or test folder: label i is classes[i] whatever
   * folders this split holds. Without it the class list is this folder's
   * class sub-folders in natural order.
   */
  classes?: string[];
}

/** Most images one folder may hold. */
export const MAX_IMAGES = 200_000;
/** Most float32 values the decoded dataset may hold (4 GiB). */
const MAX_VALUES = 2 ** 30;
const IMAGE_EXT = /\.(png|jpe?g)$/i;

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

/** Files passed over while listing: how many, and the first one met (a path relative to the dataset folder). */
interface Skipped {
  count: number;
  first?: string;
}

function skip(skipped: Skipped, root: string, file: string): void {
  skipped.count++;
  skipped.first ??= path.relative(root, file);
}

/**
 * The image files of one class folder in natural order. Hidden entries
 * (names starting with '.') and files that are not .png/.jpg/.jpeg are
 * passed over and counted in `skipped` (hidden folders are not counted); a
 * visible sub-folder is an error.
 */
async function classImages(root: string, classDir: string, skipped: Skipped): Promise<string[]> {
  const files: string[] = [];
  for (const e of await listFolder(classDir)) {
    const file = path.join(classDir, e.name);
    if (e.name.startsWith('.')) {
      if (!e.isDirectory()) skip(skipped, root, file);
      continue;
    }
    const kind = await kindOf(classDir, e);
    if (kind === 'dir') throw new InputError(`${file}: class folders may not contain sub-folders`);
    if (kind !== 'file' || !IMAGE_EXT.test(e.name)) {
      skip(skipped, root, file);
      continue;
    }
    files.push(e.name);
  }
  return files.sort(naturalCompare).map((f) => path.join(classDir, f));
}

/**
 * The class folder names of `dir` in natural order. An image lying outside
 * any class folder is an error; other files beside the class folders are
 * counted in `skipped`, hidden entries apart.
 */
async function classFolders(dir: string, skipped: Skipped): Promise<string[]> {
  const classes: string[] = [];
  for (const e of await listFolder(dir)) {
    if (e.name.startsWith('.')) continue;
    const kind = await kindOf(dir, e);
    if (kind === 'dir') classes.push(e.name);
    else if (IMAGE_EXT.test(e.name)) {
      throw new InputError(`${path.join(dir, e.name)}: images must lie in class sub-folders (${dir}/<class>/<image>)`);
    } else skip(skipped, dir, path.join(dir, e.name));
  }
  return classes.sort(naturalCompare);
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

/** Up to `max` names quoted and comma-separated, with a count of the rest. */
function nameList(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

function checkGivenClasses(dir: string, classes: unknown): string[] {
  if (!Array.isArray(classes) || classes.length === 0) throw new InputError(`${dir}: the given class list is empty`);
  const seen = new Set<string>();
  for (const c of classes) {
    if (typeof c !== 'string' || c === '') throw new InputError(`${dir}: the given class list holds an empty or non-text name`);
    if (seen.has(c)) throw new InputError(`${dir}: class '${c}' is listed twice in the given class list`);
    seen.add(c);
  }
  return [...(classes as string[])];
}

/**
 * Loads `dir/<class>/<image>` into a dataset of [channels, height, width]
 * samples with class labels.
 *
 * Classes: without `spec.classes` the class sub-folders, in natural order
 * (naturalCompare: "2" before "10", case-insensitive), give the labels 0, 1, …
 * and the class names, and every class folder must hold at least one image.
 * With `spec.classes` (the training split's list, when loading a validation
 * split) label i is spec.classes[i]: a class folder whose name is not in the
 * list is an InputError naming the folder, and a listed class with no folder
 * or no images here is reported as one warning line.
 *
 * Rows: within each class the .png/.jpg/.jpeg files (extension
 * case-insensitive), in natural order, give the rows. Each image is decoded
 * by decodeImage: luma or RGB, bilinear resize, then
 * (pixel · scale − mean[c]) / std[c] with pixel in 0..255 (one mean or std
 * value serves every channel).
 *
 * Skipped: hidden entries (names starting with '.') and, inside class
 * folders and beside them, files that are not .png/.jpg/.jpeg (notes.txt,
 * Thumbs.db, .DS_Store); their number is reported once in `warnings`.
 * Errors: no class folders, an empty class folder (without `spec.classes`),
 * a visible folder nested in a class folder, an image outside any class
 * folder, a corrupt image (FormatError naming the file), more than
 * `maxImages` images (at most and by default 200,000, counted before any
 * decoding), or more than 2^30 decoded values. The dataset is named `dir`;
 * `warnings` is set (possibly empty).
 */
export async function loadImageFolder(dir: string, spec: ImageFolderSpec): Promise<Dataset> {
  const imageSpec = decodeSpec(dir, spec);
  const given = spec.classes === undefined ? undefined : checkGivenClasses(dir, spec.classes);
  const maxImages = Math.min(spec.maxImages ?? MAX_IMAGES, MAX_IMAGES);
  const skipped: Skipped = { count: 0 };
  const folders = await classFolders(dir, skipped);
  if (folders.length === 0) throw new InputError(`${dir}: holds no class sub-folders (expected ${dir}/<class>/<image>)`);
  const classes = given ?? folders;
  if (given !== undefined) {
    const known = new Set(given);
    const unknown = folders.find((f) => !known.has(f));
    if (unknown !== undefined) {
      throw new InputError(`${path.join(dir, unknown)}: class '${unknown}' is not one of the ${given.length} training classes (${nameList(given)})`);
    }
  }
  const present = new Set(folders);
  const warnings: string[] = [];
  const perClass: string[][] = [];
  let total = 0;
  for (const c of classes) {
    const files = present.has(c) ? await classImages(dir, path.join(dir, c), skipped) : [];
    if (files.length === 0) {
      if (given === undefined) throw new InputError(`${path.join(dir, c)}: class folder holds no .png, .jpg or .jpeg images`);
      warnings.push(printable(`${dir}: class '${c}' has no images in this split`));
    }
    total += files.length;
    if (total > maxImages) throw new InputError(`${dir}: holds more than ${maxImages} images`);
    perClass.push(files);
  }
  if (total === 0) throw new InputError(`${dir}: holds no .png, .jpg or .jpeg images of the ${classes.length} classes`);
  if (skipped.count > 0) {
    warnings.push(printable(`${dir}: skipped ${skipped.count} non-image file${skipped.count === 1 ? '' : 's'} (first: ${skipped.first})`));
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
  return { name: dir, size: total, sampleShape: [spec.channels, spec.height, spec.width], x, labels, classes: [...classes], warnings };
}
