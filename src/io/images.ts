/**
 * PNG and JPEG decoding into normalised float images for network input:
 * header-only size check (a guard against decompression bombs), decode,
 * grayscale or RGB conversion, bilinear resize, per-channel normalisation,
 * CHW output.
 */
import { inflateSync } from 'node:zlib';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { FormatError } from './errors.js';

export interface ImageSpec {
  channels: 1 | 3;
  height: number;
  width: number;
  /** Multiplies the 0..255 pixel value before the mean is subtracted; default 1/255. */
  scale?: number;
  /** Per-channel value subtracted after scaling (one value serves every channel); default 0. */
  mean?: number[];
  /** Per-channel divisor applied last (one value serves every channel); default 1. */
  std?: number[];
  /** Largest accepted width*height of the encoded image; default 40 megapixels. */
  maxPixels?: number;
}

export type ImageFormat = 'png' | 'jpeg';

const DEFAULT_MAX_PIXELS = 40_000_000;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function u16be(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
}

function pngDimensions(bytes: Uint8Array, source: string | undefined): { width: number; height: number } {
  if (bytes.length < 24) throw new FormatError(`PNG is truncated before its IHDR chunk (${bytes.length} bytes)`, source);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR') throw new FormatError(`PNG does not start with an IHDR chunk (found '${type}')`, source);
  return { width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

/** SOFn markers carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegDimensions(bytes: Uint8Array, source: string | undefined): { width: number; height: number } {
  const truncated = (): never => {
    throw new FormatError('JPEG is truncated before its frame header', source);
  };
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) return truncated();
    if (bytes[pos] !== 0xff) throw new FormatError(`JPEG has no marker at byte ${pos}`, source);
    while (bytes[pos] === 0xff) pos++; // fill bytes may precede a marker
    if (pos >= bytes.length) return truncated();
    const marker = bytes[pos++]!;
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length field
    if (marker === 0xd9 || marker === 0xda) throw new FormatError('JPEG has no frame header before its image data', source);
    if (pos + 2 > bytes.length) return truncated();
    const len = u16be(bytes, pos);
    if (len < 2) throw new FormatError(`JPEG segment at byte ${pos - 2} has invalid length ${len}`, source);
    if (isStartOfFrame(marker)) {
      if (pos + 7 > bytes.length) return truncated();
      return { height: u16be(bytes, pos + 3), width: u16be(bytes, pos + 5) };
    }
    pos += len;
  }
}

/**
 * Reads the format and pixel size from the header bytes only (PNG IHDR, JPEG
 * SOFn frame header), without decoding anything. Throws FormatError for
 * anything that is neither PNG nor JPEG by its magic bytes.
 */
export function imageDimensions(bytes: Uint8Array, source?: string): { format: ImageFormat; width: number; height: number } {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    return { format: 'png', ...pngDimensions(bytes, source) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: 'jpeg', ...jpegDimensions(bytes, source) };
  }
  throw new FormatError('not a PNG or JPEG image (unrecognised magic bytes)', source);
}

/** One value per channel: `v` as given, a single value repeated for every channel, or `fallback` everywhere when absent. */
function perChannel(name: string, v: number[] | undefined, fallback: number, channels: number): number[] {
  if (v === undefined) return new Array<number>(channels).fill(fallback);
  if ((v.length !== channels && v.length !== 1) || !v.every(Number.isFinite)) {
    const want = channels === 1 ? '1 finite number' : `1 or ${channels} finite numbers`;
    throw new RangeError(`decodeImage: ${name} must hold ${want}, got [${v.join(',')}]`);
  }
  return v.length === channels ? v : new Array<number>(channels).fill(v[0]!);
}

function checkSpec(spec: ImageSpec): { scale: number; mean: number[]; std: number[]; maxPixels: number } {
  const { channels, height, width } = spec;
  if (channels !== 1 && channels !== 3) throw new RangeError(`decodeImage: channels must be 1 or 3, got ${String(channels)}`);
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw new RangeError(`decodeImage: target size ${height}x${width} is not two positive integers`);
  }
  const scale = spec.scale ?? 1 / 255;
  if (!Number.isFinite(scale)) throw new RangeError(`decodeImage: scale ${scale} is not finite`);
  const mean = perChannel('mean', spec.mean, 0, channels);
  const std = perChannel('std', spec.std, 1, channels);
  if (std.includes(0)) throw new RangeError(`decodeImage: std [${std.join(',')}] contains a zero`);
  const maxPixels = spec.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new RangeError(`decodeImage: maxPixels ${maxPixels} is not positive`);
  return { scale, mean, std, maxPixels };
}

/**
 * Most bytes the image data of a width×height PNG can inflate to: 8 bytes a
 * pixel (16-bit RGBA), plus one filter byte per row of each of the 7 Adam7
 * interlace passes, plus slack.
 */
function pngInflateBound(width: number, height: number): number {
  return 8 * width * height + 7 * (height + 1) + 64;
}

/**
 * Refuses an interlaced PNG whose compressed image data inflates to more
 * than its header's size allows. pngjs caps inflation for plain PNGs but
 * inflates interlaced ones without a limit, so a file of a few hundred
 * kilobytes declaring 1×1 pixels could otherwise expand to gigabytes.
 */
function checkPngInflation(bytes: Uint8Array, width: number, height: number, source: string | undefined): void {
  if (bytes.length < 29 || bytes[28] !== 1) return;
  const parts: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const len = u32be(bytes, pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (pos + 12 + len > bytes.length || type === 'IEND') break;
    if (type === 'IDAT') parts.push(bytes.subarray(pos + 8, pos + 8 + len));
    pos += 12 + len;
  }
  const bound = pngInflateBound(width, height);
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: bound });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new FormatError(`PNG image data inflates to more than the ${bound} bytes a ${width}x${height} image can hold`, source);
    }
    // any other inflate failure is reported by the decoder itself
  }
}

/** Decodes to interleaved 8-bit RGBA, turning any decoder failure into a FormatError. */
function decodeRgba(bytes: Uint8Array, format: ImageFormat, source: string | undefined): { width: number; height: number; data: Uint8Array } {
  try {
    if (format === 'png') {
      // pngjs rescales 16-bit and low-bit-depth images to 8 bits and expands gray/palette to RGBA.
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: png.data };
    }
    const jpg = decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256, maxResolutionInMP: 50 });
    return { width: jpg.width, height: jpg.height, data: jpg.data };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new FormatError(`could not decode ${format.toUpperCase()}: ${msg.split('\n')[0]}`, source);
  }
}

/**
 * Splits RGBA pixels into float planes of 0..255 values: three (R, G, B)
 * planes, or one plane of luma 0.299R + 0.587G + 0.114B. Alpha is ignored.
 */
function toPlanes(rgba: Uint8Array, pixels: number, channels: 1 | 3): Float64Array[] {
  if (channels === 1) {
    const y = new Float64Array(pixels);
    for (let i = 0; i < pixels; i++) y[i] = 0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!;
    return [y];
  }
  const planes = [new Float64Array(pixels), new Float64Array(pixels), new Float64Array(pixels)];
  for (let c = 0; c < 3; c++) {
    const p = planes[c]!;
    for (let i = 0; i < pixels; i++) p[i] = rgba[4 * i + c]!;
  }
  return planes;
}

interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

/**
 * Source taps for resizing `n` samples to `m` with half-pixel centres
 * (align-corners false): src = (dst + 0.5) * n / m - 0.5, clamped at 0, then
 * interpolated between floor(src) and the next sample (clamped at n - 1).
 */
function taps(n: number, m: number): Taps {
  const lo = new Int32Array(m);
  const hi = new Int32Array(m);
  const frac = new Float64Array(m);
  const ratio = n / m;
  for (let d = 0; d < m; d++) {
    const src = Math.max(0, (d + 0.5) * ratio - 0.5);
    const i = Math.min(Math.floor(src), n - 1);
    lo[d] = i;
    hi[d] = Math.min(i + 1, n - 1);
    frac[d] = src - i;
  }
  return { lo, hi, frac };
}

/**
 * Bilinear resize of one h×w plane to oh×ow, matching the align-corners-false
 * convention of PyTorch `interpolate(mode='bilinear')` and OpenCV INTER_LINEAR
 * (no antialiasing when shrinking).
 */
export function resizeBilinear(src: Float64Array, h: number, w: number, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow);
  const ty = taps(h, oh);
  const tx = taps(w, ow);
  for (let y = 0; y < oh; y++) {
    const r0 = ty.lo[y]! * w;
    const r1 = ty.hi[y]! * w;
    const fy = ty.frac[y]!;
    for (let x = 0; x < ow; x++) {
      const x0 = tx.lo[x]!;
      const x1 = tx.hi[x]!;
      const fx = tx.frac[x]!;
      const top = src[r0 + x0]! + (src[r0 + x1]! - src[r0 + x0]!) * fx;
      const bottom = src[r1 + x0]! + (src[r1 + x1]! - src[r1 + x0]!) * fx;
      out[y * ow + x] = top + (bottom - top) * fy;
    }
  }
  return out;
}

/**
 * Decodes a PNG or JPEG into a CHW Float32Array of length
 * channels * height * width: the image is converted to RGB or luma
 * (0.299R + 0.587G + 0.114B, alpha ignored), resized bilinearly to
 * height×width, and each value becomes (pixel * scale - mean[c]) / std[c]
 * with pixel in 0..255; a mean or std of one value applies to every
 * channel. The size in the header is checked against maxPixels before any
 * decoding; `source` names the file in errors.
 */
export function decodeImage(bytes: Uint8Array, spec: ImageSpec, source?: string): Float32Array {
  const { scale, mean, std, maxPixels } = checkSpec(spec);
  const { format, width, height } = imageDimensions(bytes, source);
  if (width === 0 || height === 0) throw new FormatError(`${format.toUpperCase()} header declares an empty ${width}x${height} image`, source);
  if (width * height > maxPixels) {
    throw new FormatError(`${format.toUpperCase()} is ${width}x${height} = ${width * height} pixels, over the limit of ${maxPixels}`, source);
  }
  if (format === 'png') checkPngInflation(bytes, width, height, source);
  const img = decodeRgba(bytes, format, source);
  if (img.width !== width || img.height !== height || img.data.length < 4 * width * height) {
    throw new FormatError(`${format.toUpperCase()} decoded to ${img.width}x${img.height} but its header says ${width}x${height}`, source);
  }
  const { channels, height: oh, width: ow } = spec;
  const planes = toPlanes(img.data, width * height, channels);
  const out = new Float32Array(channels * oh * ow);
  for (let c = 0; c < channels; c++) {
    const resized = oh === height && ow === width ? planes[c]! : resizeBilinear(planes[c]!, height, width, oh, ow);
    const m = mean[c]!;
    const s = std[c]!;
    const base = c * oh * ow;
    for (let i = 0; i < resized.length; i++) out[base + i] = (resized[i]! * scale - m) / s;
  }
  return out;
}
