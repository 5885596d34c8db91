/**
 * Resolves a dataset spec as given to the CLI's --data and --eval options —
 * 'mnist', a folder holding x.npy and y.npy, or a folder of class
 * sub-folders — into a dataset whose samples fit the model's input.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../../errors.js';
import { checkCompatible, type Dataset } from './dataset.js';
import { loadImageFolder, type ImageFolderSpec } from './image-folder.js';
import { loadMnist } from './mnist.js';
import { loadNpyDir } from './npy-dir.js';

export interface LoadOptions {
  /** The model input's dims, batch first; undefined when the model does not declare them. */
  inputShape: (number | string)[] | undefined;
  /** Which MNIST split 'mnist' means; folders are used whole. */
  split: 'train' | 'test';
  /** Multiplies the 0..255 pixel value before the mean is subtracted; default 1/255. */
  scale?: number;
  /** Per-channel value subtracted after scaling (one value serves every channel); default 0. */
  mean?: number[];
  /** Per-channel divisor applied last (one value serves every channel); default 1. */
  std?: number[];
  /**
   * The training split's class list, when loading a validation or test
   * split: an image folder is labelled with it (see loadImageFolder), and
   * other datasets must agree with it (see loadDataset).
   */
  classes?: string[];
}

const FORMS = "'mnist', a folder holding x.npy and y.npy, or a folder of class sub-folders";

/**
 * Zero-pads every [C, h, w] sample to [C, height, width] with the image
 * centred: floor((height − h) / 2) rows above and floor((width − w) / 2)
 * columns to the left, the rest below and to the right.
 */
export function padCentred(d: Dataset, height: number, width: number): Dataset {
  const [c, h, w] = d.sampleShape as [number, number, number];
  if (d.sampleShape.length !== 3 || height < h || width < w) {
    throw new InputError(`cannot pad samples of shape [${d.sampleShape.join(',')}] of '${d.name}' to ${height}x${width}`);
  }
  const top = Math.floor((height - h) / 2);
  const left = Math.floor((width - w) / 2);
  const inSize = c * h * w;
  const outSize = c * height * width;
  const x = new Float32Array(d.size * outSize);
  for (let n = 0; n < d.size; n++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const src = n * inSize + (ch * h + y) * w;
        const dst = n * outSize + (ch * height + top + y) * width + left;
        x.set(d.x.subarray(src, src + w), dst);
      }
    }
  }
  return { ...d, sampleShape: [c, height, width], x };
}

function hasNormalisation(opts: LoadOptions): boolean {
  return opts.scale !== undefined || opts.mean !== undefined || opts.std !== undefined;
}

/**
 * MNIST values are pixel / 255, so the image-folder rule (pixel · scale − mean) / std
 * becomes (v · 255 · scale − mean) / std; without options the values stay as they are.
 */
function normaliseMnist(d: Dataset, opts: LoadOptions, spec: string): Dataset {
  if (!hasNormalisation(opts)) return d;
  const scale = opts.scale ?? 1 / 255;
  const mean = opts.mean ?? [0];
  const std = opts.std ?? [1];
  if (!Number.isFinite(scale)) throw new InputError(`${spec}: scale ${scale} is not finite`);
  if (mean.length !== 1 || !Number.isFinite(mean[0])) {
    throw new InputError(`${spec}: mean must be one finite number for 1-channel digits, got [${mean.join(',')}]`);
  }
  if (std.length !== 1 || !Number.isFinite(std[0]) || std[0] === 0) {
    throw new InputError(`${spec}: std must be one finite non-zero number for 1-channel digits, got [${std.join(',')}]`);
  }
  const k = 255 * scale;
  const m = mean[0]!;
  const s = std[0]!;
  return { ...d, x: d.x.map((v) => (v * k - m) / s) };
}

/** 'mnist' as the requested split, padded to 32×32 when the model wants [1,32,32] digits. */
function mnistFor(spec: string, opts: LoadOptions): Dataset {
  const split = loadMnist();
  let d = opts.split === 'train' ? split.train : split.test;
  const want = opts.inputShape?.slice(1);
  if (want !== undefined && want.length === 3 && want[1] === 32 && want[2] === 32) d = padCentred(d, 32, 32);
  return normaliseMnist(d, opts, spec);
}

/** Channels, height and width for decoding images, from a model input [B, C, H, W]. */
function imageSize(spec: string, inputShape: (number | string)[] | undefined): { channels: 1 | 3; height: number; width: number } {
  const fixed = (v: number | string | undefined): v is number => typeof v === 'number' && v > 0;
  const [, c, h, w] = inputShape ?? [];
  if (inputShape === undefined || inputShape.length !== 4 || !fixed(c) || !fixed(h) || !fixed(w) || (c !== 1 && c !== 3)) {
    const shown = inputShape === undefined ? 'unknown' : `[${inputShape.join(',')}]`;
    throw new InputError(
      `${spec}: an image folder needs a model input of fixed shape [N,C,H,W] with C = 1 or 3 to size the images, but the model input is ${shown}`,
    );
  }
  return { channels: c, height: h, width: w };
}

async function isFolder(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads the dataset named by `spec` and checks its samples against the
 * model input `opts.inputShape` (see checkCompatible), naming `spec` when
 * they do not fit:
 *
 * - 'mnist': the bundled digits (loadMnist), `opts.split` choosing train or
 *   test; a folder literally named mnist is reached as './mnist'. The digits
 *   are [1,28,28]; for a model whose input is [N,1,32,32] (classic LeNet)
 *   they are zero-padded, centred, to [1,32,32] (2 pixels on every side).
 *   scale/mean/std, when given, apply to the 0..255 pixel as for images.
 * - a folder holding x.npy: loadNpyDir; the values are used as stored, so
 *   scale/mean/std are refused.
 * - any other folder: loadImageFolder with channels, height and width from
 *   the model input [N,C,H,W], which must be fixed, scale/mean/std, and the
 *   class list `opts.classes` when given (class folders in natural order
 *   otherwise); its `warnings` say what was skipped.
 *
 * With `opts.classes` (the training split's list, for loading --eval) the
 * result is labelled with exactly that list: an image folder as above, an
 * .npy folder's integer labels must lie below its length and take its
 * names, and a dataset with class names of its own ('mnist') must have the
 * same list.
 *
 * The split option only matters for 'mnist'; a folder is used whole.
 */
export async function loadDataset(spec: string, opts: LoadOptions): Promise<Dataset> {
  let d: Dataset;
  if (spec === 'mnist') {
    d = mnistFor(spec, opts);
  } else if (!(await isFolder(spec))) {
    let exists = true;
    await fs.stat(spec).catch(() => (exists = false));
    throw new InputError(`${spec}: ${exists ? 'is not a folder' : 'no such file or folder'} (expected ${FORMS})`);
  } else if (await fs.stat(path.join(spec, 'x.npy')).then(() => true, () => false)) {
    if (hasNormalisation(opts)) {
      throw new InputError(`${spec}: scale, mean and std do not apply to .npy data, which is used as stored`);
    }
    d = await loadNpyDir(spec);
  } else {
    const size = imageSize(spec, opts.inputShape);
    const folderSpec: ImageFolderSpec = { ...size };
    if (opts.scale !== undefined) folderSpec.scale = opts.scale;
    if (opts.mean !== undefined) folderSpec.mean = opts.mean;
    if (opts.std !== undefined) folderSpec.std = opts.std;
    if (opts.classes !== undefined) folderSpec.classes = opts.classes;
    d = await loadImageFolder(spec, folderSpec);
  }
  checkCompatible(d, opts.inputShape, spec);
  if (opts.classes !== undefined) d = withClasses(d, opts.classes, spec);
  return d;
}

/**
 * A dataset labelled with the training split's `classes`: one whose own
 * class list differs (e.g. 'mnist' against other training classes) or that
 * has no labels, or a label outside the list, is an InputError naming
 * `spec`; unnamed labels (.npy) take the names.
 */
function withClasses(d: Dataset, classes: string[], spec: string): Dataset {
  if (d.labels === undefined) {
    throw new InputError(`${spec}: holds targets, not class labels, but the training data has ${classes.length} classes`);
  }
  if (d.classes !== undefined) {
    const same = d.classes.length === classes.length && d.classes.every((c, i) => c === classes[i]);
    if (!same) {
      throw new InputError(`${spec}: its classes [${d.classes.join(',')}] differ from the ${classes.length} training classes [${classes.join(',')}]`);
    }
    return d;
  }
  for (let r = 0; r < d.size; r++) {
    if (d.labels[r]! >= classes.length) {
      throw new InputError(`${spec}: label ${d.labels[r]} at row ${r} is outside the ${classes.length} training classes`);
    }
  }
  return { ...d, classes: [...classes] };
}
