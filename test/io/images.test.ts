import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/io/errors.js';
import { decodeImage, imageDimensions, resizeBilinear } from '../../src/io/images.js';

type Rgb = [number, number, number];

/** Builds an RGBA buffer from a pixel function; alpha is deliberately varied to prove it is ignored. */
function rgba(width: number, height: number, px: (x: number, y: number) => Rgb): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = px(x, y);
      data.set([r, g, b, (x * 37 + y * 11) % 256], 4 * (y * width + x));
    }
  }
  return data;
}

function pngOf(width: number, height: number, px: (x: number, y: number) => Rgb): Uint8Array {
  const png = new PNG({ width, height });
  png.data = rgba(width, height, px);
  return PNG.sync.write(png);
}

function jpegOf(width: number, height: number, px: (x: number, y: number) => Rgb): Uint8Array {
  return encodeJpeg({ width, height, data: rgba(width, height, px) }, 100).data;
}

function expectFormatError(fn: () => unknown, pattern: RegExp): FormatError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FormatError);
  expect((caught as Error).name).toBe('FormatError');
  expect((caught as Error).message).toMatch(pattern);
  expect((caught as Error).message).not.toContain('\n');
  return caught as FormatError;
}

/** A PNG signature plus an IHDR chunk claiming the given size; the CRC is left as zeros. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const b = new Uint8Array(8 + 25);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const v = new DataView(b.buffer);
  v.setUint32(8, 13);
  b.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 2, 0, 0, 0], 24); // 8-bit RGB, deflate, no filter, no interlace
  return b;
}

/** SOI, an APP0 segment to skip over, fill bytes, then a baseline SOF0 claiming the given size. */
function jpegHeaderOnly(width: number, height: number): Uint8Array {
  return new Uint8Array([
    0xff, 0xd8,
    0xff, 0xe0, 0x00, 0x07, 0x4a, 0x46, 0x49, 0x46, 0x00,
    0xff, 0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00,
  ]);
}

describe('imageDimensions', () => {
  it('reads PNG and JPEG sizes from real files', () => {
    expect(imageDimensions(pngOf(5, 3, () => [0, 0, 0]))).toEqual({ format: 'png', width: 5, height: 3 });
    expect(imageDimensions(jpegOf(17, 9, () => [0, 0, 0]))).toEqual({ format: 'jpeg', width: 17, height: 9 });
  });

  it('reads sizes from header bytes alone', () => {
    expect(imageDimensions(pngHeaderOnly(100000, 100000))).toEqual({ format: 'png', width: 100000, height: 100000 });
    expect(imageDimensions(jpegHeaderOnly(60000, 500))).toEqual({ format: 'jpeg', width: 60000, height: 500 });
  });

  it('refuses garbage, truncation and markerless JPEG data', () => {
    expectFormatError(() => imageDimensions(new TextEncoder().encode('GIF89a...'), 'x.gif'), /^x\.gif: not a PNG or JPEG image/);
    expectFormatError(() => imageDimensions(new Uint8Array(0)), /not a PNG or JPEG/);
    expectFormatError(() => imageDimensions(pngHeaderOnly(4, 4).subarray(0, 20)), /PNG is truncated/);
    const noIhdr = pngHeaderOnly(4, 4);
    noIhdr.set([0x49, 0x44, 0x41, 0x54], 12); // IDAT
    expectFormatError(() => imageDimensions(noIhdr), /does not start with an IHDR chunk \(found 'IDAT'\)/);
    expectFormatError(() => imageDimensions(jpegHeaderOnly(4, 4).subarray(0, 18)), /JPEG is truncated/);
    expectFormatError(() => imageDimensions(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2])), /no frame header/);
    expectFormatError(() => imageDimensions(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0x12])), /no marker at byte 8/);
  });
});

describe('decodeImage from PNG', () => {
  const px = (x: number, y: number): Rgb => [10 * x + 3, 50 * y + 1, 255 - 20 * x - 7 * y];

  it('gives exact RGB values in CHW order with the default scale', () => {
    const out = decodeImage(pngOf(4, 3, px), { channels: 3, height: 3, width: 4 });
    expect(out.length).toBe(36);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < 4; x++) expect(out[c * 12 + y * 4 + x]).toBeCloseTo(px(x, y)[c]! / 255, 7);
      }
    }
  });

  it('applies (pixel * scale - mean[c]) / std[c]', () => {
    const spec = { channels: 3 as const, height: 3, width: 4, scale: 1, mean: [3, 1, 5], std: [2, 4, 0.5] };
    const out = decodeImage(pngOf(4, 3, px), spec);
    const at = (c: number, x: number, y: number): number => out[c * 12 + y * 4 + x]!;
    expect(at(0, 0, 0)).toBe(0); // (3 - 3) / 2
    expect(at(0, 3, 2)).toBe(15); // (33 - 3) / 2
    expect(at(1, 1, 2)).toBe(25); // (101 - 1) / 4
    expect(at(2, 2, 1)).toBe(406); // (255 - 40 - 7 - 5) / 0.5
  });

  it('applies a single mean and std to every channel', () => {
    const one = decodeImage(pngOf(4, 3, px), { channels: 3, height: 3, width: 4, scale: 1, mean: [3], std: [2] });
    const all = decodeImage(pngOf(4, 3, px), { channels: 3, height: 3, width: 4, scale: 1, mean: [3, 3, 3], std: [2, 2, 2] });
    expect(Array.from(one)).toEqual(Array.from(all));
    expect(one[12 + 2 * 4 + 1]).toBe(49); // green at (1, 2): (101 - 3) / 2
  });

  it('converts to luma 0.299R + 0.587G + 0.114B', () => {
    const colours: Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [200, 100, 50]];
    const out = decodeImage(pngOf(4, 1, (x) => colours[x]!), { channels: 1, height: 1, width: 4, scale: 1 });
    expect(out.length).toBe(4);
    expect(out[0]).toBeCloseTo(76.245, 4);
    expect(out[1]).toBeCloseTo(149.685, 4);
    expect(out[2]).toBeCloseTo(29.07, 4);
    expect(out[3]).toBeCloseTo(59.8 + 58.7 + 5.7, 4);
  });

  it('reads grayscale and palette PNGs', () => {
    const gray = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 2, inputHasAlpha: false });
    gray.data = Buffer.from([17, 17, 17, 240, 240, 240]);
    const bytes = PNG.sync.write(gray, { colorType: 0, inputColorType: 2, inputHasAlpha: false });
    expect(bytes[25]).toBe(0); // IHDR colour type: grayscale
    const out = decodeImage(bytes, { channels: 3, height: 1, width: 2, scale: 1 });
    expect(Array.from(out)).toEqual([17, 240, 17, 240, 17, 240]);
  });

  it('refuses images over the pixel limit before decoding', () => {
    const err = expectFormatError(
      () => decodeImage(pngHeaderOnly(100000, 100000), { channels: 3, height: 8, width: 8 }, 'bomb.png'),
      /^bomb\.png: PNG is 100000x100000 = 10000000000 pixels, over the limit of 40000000$/,
    );
    expect(err.file).toBe('bomb.png');
    expectFormatError(() => decodeImage(pngOf(4, 4, px), { channels: 1, height: 2, width: 2, maxPixels: 15 }), /16 pixels, over the limit of 15/);
    expectFormatError(() => decodeImage(jpegHeaderOnly(60000, 60000), { channels: 3, height: 8, width: 8 }), /JPEG is 60000x60000/);
  });

  it('refuses zero-sized images', () => {
    expectFormatError(() => decodeImage(pngHeaderOnly(0, 10), { channels: 3, height: 8, width: 8 }), /empty 0x10 image/);
    expectFormatError(() => decodeImage(jpegHeaderOnly(10, 0), { channels: 3, height: 8, width: 8 }), /empty 10x0 image/);
  });

  it('wraps decoder failures in FormatError naming the file', () => {
    expectFormatError(() => decodeImage(pngHeaderOnly(4, 4), { channels: 3, height: 4, width: 4 }, 'a.png'), /^a\.png: could not decode PNG: /);
    const good = pngOf(4, 4, px);
    const corrupt = good.slice();
    corrupt[good.length - 20] = good[good.length - 20]! ^ 0xff;
    expectFormatError(() => decodeImage(corrupt, { channels: 3, height: 4, width: 4 }), /could not decode PNG/);
    expectFormatError(() => decodeImage(jpegHeaderOnly(4, 4), { channels: 3, height: 4, width: 4 }, 'b.jpg'), /^b\.jpg: could not decode JPEG: /);
    expectFormatError(() => decodeImage(new Uint8Array(100), { channels: 3, height: 4, width: 4 }), /not a PNG or JPEG/);
  });

  it('refuses invalid specs', () => {
    const png = pngOf(2, 2, px);
    expect(() => decodeImage(png, { channels: 2 as 3, height: 2, width: 2 })).toThrow(/channels must be 1 or 3/);
    expect(() => decodeImage(png, { channels: 3, height: 0, width: 2 })).toThrow(/target size 0x2/);
    expect(() => decodeImage(png, { channels: 3, height: 2, width: 2, mean: [0.5, 0.5] })).toThrow(/mean must hold 1 or 3 finite numbers/);
    expect(() => decodeImage(png, { channels: 1, height: 2, width: 2, std: [1, 1, 1] })).toThrow(/std must hold 1 finite number,/);
    expect(() => decodeImage(png, { channels: 3, height: 2, width: 2, mean: [NaN] })).toThrow(/mean must hold/);
    expect(() => decodeImage(png, { channels: 3, height: 2, width: 2, std: [0] })).toThrow(/contains a zero/);
    expect(() => decodeImage(png, { channels: 1, height: 2, width: 2, std: [0] })).toThrow(/contains a zero/);
  });
});

describe('decodeImage from JPEG', () => {
  it('decodes flat colour blocks approximately', () => {
    const left: Rgb = [200, 30, 60];
    const right: Rgb = [20, 180, 90];
    const bytes = jpegOf(16, 8, (x) => (x < 8 ? left : right));
    const out = decodeImage(bytes, { channels: 3, height: 8, width: 16 });
    for (let c = 0; c < 3; c++) {
      for (const [x, want] of [[3, left[c]!], [12, right[c]!]] as const) {
        expect(Math.abs(out[c * 128 + 4 * 16 + x]! - want / 255)).toBeLessThan(4 / 255);
      }
    }
    const gray = decodeImage(bytes, { channels: 1, height: 8, width: 16, scale: 1 });
    expect(Math.abs(gray[4 * 16 + 3]! - (0.299 * 200 + 0.587 * 30 + 0.114 * 60))).toBeLessThan(4);
  });
});

describe('resize', () => {
  /** Bilinear interpolation reproduces any linear ramp exactly, so the expected values follow from the sample positions. */
  const position = (d: number, n: number, m: number): number => Math.min(n - 1, Math.max(0, ((d + 0.5) * n) / m - 0.5));

  it('reproduces a horizontal gradient when shrinking and growing', () => {
    const png = pngOf(8, 2, (x) => [30 * x, 0, 0]);
    for (const w of [3, 4, 5, 13]) {
      const out = decodeImage(png, { channels: 3, height: 3, width: w, scale: 1 });
      for (let y = 0; y < 3; y++) {
        for (let x = 0; x < w; x++) expect(out[y * w + x], `w=${w} x=${x}`).toBeCloseTo(30 * position(x, 8, w), 4);
      }
    }
  });

  it('halves a ramp by averaging neighbours', () => {
    const out = decodeImage(pngOf(4, 1, (x) => [60 * x, 0, 0]), { channels: 3, height: 1, width: 2, scale: 1 });
    expect(Array.from(out.subarray(0, 2))).toEqual([30, 150]);
  });

  it('upsamples a 2x2 corner impulse like align-corners-false bilinear', () => {
    // f = 100 at (1,1), 0 elsewhere: sample weights along each axis are [0, 0.25, 0.75, 1].
    const src = new Float64Array([0, 0, 0, 100]);
    const out = resizeBilinear(src, 2, 2, 4, 4);
    const w = [0, 0.25, 0.75, 1];
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) expect(out[y * 4 + x]).toBeCloseTo(100 * w[y]! * w[x]!, 12);
    }
  });

  it('resizes rows and columns independently', () => {
    // 3 rows x 2 cols, values 10*row + col; to 2 rows x 4 cols.
    const src = new Float64Array([0, 1, 10, 11, 20, 21]);
    const out = resizeBilinear(src, 3, 2, 2, 4);
    const rows = [position(0, 3, 2), position(1, 3, 2)];
    const cols = [0, 1, 2, 3].map((x) => position(x, 2, 4));
    expect(rows).toEqual([0.25, 1.75]);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 4; x++) expect(out[y * 4 + x]).toBeCloseTo(10 * rows[y]! + cols[x]!, 12);
    }
  });
});
