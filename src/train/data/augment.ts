/**
 * Random augmentation of image batches for training: random resized crop
 * and horizontal flip on [N, C, H, W] float images, driven by a seeded Rng
 * so that a run can be repeated exactly.
 */
import { InputError } from '../../errors.js';
import { resizeBilinear } from '../../io/images.js';
import type { Rng } from '../rng.js';

/** 'none' leaves images as they are; 'flip' and 'crop' apply one transform; 'all' applies the crop, then the flip. */
export type AugmentMode = 'none' | 'flip' | 'crop' | 'all';

export const AUGMENT_MODES: readonly AugmentMode[] = ['none', 'flip', 'crop', 'all'];

export interface AugmentOptions {
  /** Range of the crop's area as a fraction of the image's area; default [0.6, 1]. */
  scale?: [number, number];
  /** Range of the crop's width / height; default [3/4, 4/3]. */
  ratio?: [number, number];
  /** Chance that an image is mirrored left to right; default 0.5. */
  flipProbability?: number;
}

/** A crop window in pixels: rows top … top + height − 1, columns left … left + width − 1. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** Draws of the crop window before falling back to a central one. */
const CROP_TRIES = 10;

/** The mode named by `s` (as given to a command-line flag); InputError naming the choices otherwise. */
export function parseAugmentMode(s: string): AugmentMode {
  const m = AUGMENT_MODES.find((a) => a === s);
  if (m === undefined) throw new InputError(`augmentation '${s}' is not one of ${AUGMENT_MODES.join(', ')}`);
  return m;
}

function checkRange(name: string, r: unknown, max: number): [number, number] {
  const ok = Array.isArray(r) && r.length === 2 && r.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (!ok || !(r[0] > 0 && r[0] <= r[1] && r[1] <= max)) {
    throw new InputError(`augment: ${name} range [${Array.isArray(r) ? r.join(',') : String(r)}] must be two numbers 0 < lo ≤ hi${Number.isFinite(max) ? ` ≤ ${max}` : ''}`);
  }
  return [r[0], r[1]];
}

/**
 * A random crop window of an h×w image: up to 10 times, draw an area
 * fraction s uniformly from `scale` and an aspect ratio r log-uniformly from
 * `ratio`, giving a window of round(√(s·h·w·r)) columns by round(√(s·h·w/r))
 * rows; the first window that fits is placed uniformly at random (top, then
 * left). If none fits, the largest central window whose aspect ratio is
 * within `ratio` is used.
 */
export function randomCropBox(h: number, w: number, rng: Rng, scale: [number, number], ratio: [number, number]): CropBox {
  const area = h * w;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let t = 0; t < CROP_TRIES; t++) {
    const s = scale[0] + (scale[1] - scale[0]) * rng.next();
    const r = Math.exp(logLo + (logHi - logLo) * rng.next());
    const cw = Math.round(Math.sqrt(s * area * r));
    const ch = Math.round(Math.sqrt((s * area) / r));
    if (cw >= 1 && cw <= w && ch >= 1 && ch <= h) {
      const top = Math.floor(rng.next() * (h - ch + 1));
      const left = Math.floor(rng.next() * (w - cw + 1));
      return { top, left, height: ch, width: cw };
    }
  }
  let ch = h;
  let cw = w;
  if (w / h < ratio[0]) ch = Math.max(1, Math.min(h, Math.round(w / ratio[0])));
  else if (w / h > ratio[1]) cw = Math.max(1, Math.min(w, Math.round(h * ratio[1])));
  return { top: Math.floor((h - ch) / 2), left: Math.floor((w - cw) / 2), height: ch, width: cw };
}

/** Writes the box of every channel of sample `n` of `src`, resized bilinearly back to h×w, into the same place in `out`. */
function cropResize(src: Float32Array, out: Float32Array, n: number, c: number, h: number, w: number, box: CropBox): void {
  const plane = h * w;
  const patch = new Float64Array(box.height * box.width);
  for (let ch = 0; ch < c; ch++) {
    const base = (n * c + ch) * plane;
    for (let y = 0; y < box.height; y++) {
      const row = base + (box.top + y) * w + box.left;
      for (let x = 0; x < box.width; x++) patch[y * box.width + x] = src[row + x]!;
    }
    const resized = resizeBilinear(patch, box.height, box.width, h, w);
    for (let i = 0; i < plane; i++) out[base + i] = resized[i]!;
  }
}

/** Mirrors every channel of sample `n` of `buf` left to right, in place. */
function flipSample(buf: Float32Array, n: number, c: number, h: number, w: number): void {
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const row = ((n * c + ch) * h + y) * w;
      for (let a = row, b = row + w - 1; a < b; a++, b--) {
        const t = buf[a]!;
        buf[a] = buf[b]!;
        buf[b] = t;
      }
    }
  }
}

function checkDims(x: Float32Array, dims: readonly number[]): [number, number, number, number] {
  if (dims.length !== 4 || !dims.every((d) => Number.isSafeInteger(d) && d >= 0) || dims.slice(1).some((d) => d === 0)) {
    throw new InputError(`augment: dims [${dims.join(',')}] are not [N, C, H, W] with C, H, W positive`);
  }
  const [n, c, h, w] = dims as [number, number, number, number];
  if (x.length !== n * c * h * w) {
    throw new InputError(`augment: ${x.length} values do not make a [${dims.join(',')}] batch`);
  }
  return [n, c, h, w];
}

/** Every sample of an [N, C, H, W] batch mirrored left to right, as a new array; applying it twice gives the input back. */
export function flipHorizontal(x: Float32Array, dims: readonly [number, number, number, number]): Float32Array {
  const [n, c, h, w] = checkDims(x, dims);
  const out = x.slice();
  for (let i = 0; i < n; i++) flipSample(out, i, c, h, w);
  return out;
}

/**
 * An augmented copy of the batch `x` of shape `dims` = [N, C, H, W]; `x`
 * itself is never written. Per sample, in order: for 'crop' and 'all' a
 * window from randomCropBox (opts.scale, default [0.6, 1]; opts.ratio,
 * default [3/4, 4/3]) is cut from every channel and resized bilinearly
 * (half-pixel centres) back to H×W; for 'flip' and 'all' one uniform draw
 * below opts.flipProbability (default 0.5) mirrors the sample left to right.
 * 'none' returns an unchanged copy and draws nothing. All randomness comes
 * from `rng`, so the same Rng state gives the same output; the rng advances.
 */
export function augment(
  x: Float32Array,
  dims: readonly [number, number, number, number],
  mode: AugmentMode,
  rng: Rng,
  opts: AugmentOptions = {},
): Float32Array {
  const [n, c, h, w] = checkDims(x, dims);
  if (!AUGMENT_MODES.includes(mode)) throw new InputError(`augment: mode '${String(mode)}' is not one of ${AUGMENT_MODES.join(', ')}`);
  const scale = checkRange('scale', opts.scale ?? [0.6, 1], 1);
  const ratio = checkRange('ratio', opts.ratio ?? [3 / 4, 4 / 3], Infinity);
  const flipP = opts.flipProbability ?? 0.5;
  if (!(flipP >= 0 && flipP <= 1)) throw new InputError(`augment: flip probability ${flipP} is not between 0 and 1`);
  const out = x.slice();
  const crop = mode === 'crop' || mode === 'all';
  const flip = mode === 'flip' || mode === 'all';
  for (let i = 0; i < n; i++) {
    if (crop) {
      const box = randomCropBox(h, w, rng, scale, ratio);
      if (box.height !== h || box.width !== w) cropResize(x, out, i, c, h, w, box);
    }
    if (flip && rng.next() < flipP) flipSample(out, i, c, h, w);
  }
  return out;
}
