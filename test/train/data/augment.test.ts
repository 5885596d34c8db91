import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { augment, flipHorizontal, parseAugmentMode, randomCropBox } from '../../../src/train/data/augment.js';
import { Rng } from '../../../src/train/rng.js';

type Dims = [number, number, number, number];

/** A batch whose value at (n, c, y, x) is 1000n + 100c + 10y + x: every pixel distinct. */
function ramp(dims: Dims): Float32Array {
  const [n, c, h, w] = dims;
  const out = new Float32Array(n * c * h * w);
  let i = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < c; b++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[i++] = 1000 * a + 100 * b + 10 * y + x;
  return out;
}

/** Sample `n` of a batch. */
function sample(x: Float32Array, dims: Dims, n: number): number[] {
  const s = dims[1] * dims[2] * dims[3];
  return Array.from(x.subarray(n * s, (n + 1) * s));
}

describe('flipHorizontal', () => {
  it('mirrors every row and is its own inverse', () => {
    const dims: Dims = [2, 3, 4, 5];
    const x = ramp(dims);
    const f = flipHorizontal(x, dims);
    expect(f[0]).toBe(4);
    expect(f[4]).toBe(0);
    expect(f[5]).toBe(14);
    expect(f[2]).toBe(2); // the middle column of an odd width stays
    expect(Array.from(flipHorizontal(f, dims))).toEqual(Array.from(x));
    expect(Array.from(x)).toEqual(Array.from(ramp(dims)));
  });
});

describe('augment', () => {
  const dims: Dims = [8, 3, 6, 7];

  it("returns an unchanged copy for 'none' and draws nothing", () => {
    const x = ramp(dims);
    const rng = new Rng(5);
    const out = augment(x, dims, 'none', rng);
    expect(out).not.toBe(x);
    expect(Array.from(out)).toEqual(Array.from(x));
    expect(rng.getState()).toEqual(new Rng(5).getState());
  });

  it("'flip' mirrors some samples and leaves the others, by the rng's draws", () => {
    const x = ramp(dims);
    const out = augment(x, dims, 'flip', new Rng(11));
    const flipped = flipHorizontal(x, dims);
    const draws = new Rng(11);
    let mirrored = 0;
    for (let n = 0; n < dims[0]; n++) {
      const want = draws.next() < 0.5 ? flipped : x;
      if (want === flipped) mirrored++;
      expect(sample(out, dims, n)).toEqual(sample(want, dims, n));
    }
    expect(mirrored).toBeGreaterThan(0);
    expect(mirrored).toBeLessThan(dims[0]);
    expect(Array.from(augment(x, dims, 'flip', new Rng(11), { flipProbability: 1 }))).toEqual(Array.from(flipped));
    expect(Array.from(augment(x, dims, 'flip', new Rng(11), { flipProbability: 0 }))).toEqual(Array.from(x));
  });

  it('gives the same output for the same seed and never writes its input', () => {
    const x = ramp(dims);
    for (const mode of ['flip', 'crop', 'all'] as const) {
      const a = augment(x, dims, mode, new Rng(42));
      const b = augment(x, dims, mode, new Rng(42));
      expect(Array.from(a)).toEqual(Array.from(b));
      expect(Array.from(augment(x, dims, mode, new Rng(43)))).not.toEqual(Array.from(a));
    }
    expect(Array.from(x)).toEqual(Array.from(ramp(dims)));
  });

  it("'crop' keeps the shape and resamples a window of the same sample and channel", () => {
    const x = ramp(dims);
    const out = augment(x, dims, 'crop', new Rng(9), { scale: [0.3, 0.6] });
    expect(out.length).toBe(x.length);
    expect(Array.from(out)).not.toEqual(Array.from(x));
    // bilinear values stay within the range of their own plane
    const plane = dims[2] * dims[3];
    for (let p = 0; p < dims[0] * dims[1]; p++) {
      const src = x.subarray(p * plane, (p + 1) * plane);
      const lo = Math.min(...src);
      const hi = Math.max(...src);
      for (const v of out.subarray(p * plane, (p + 1) * plane)) {
        expect(v).toBeGreaterThanOrEqual(lo - 1e-3);
        expect(v).toBeLessThanOrEqual(hi + 1e-3);
      }
    }
  });

  it('crops the window randomCropBox draws, resized back with half-pixel centres', () => {
    const d: Dims = [1, 1, 4, 4];
    const x = ramp(d);
    const box = randomCropBox(4, 4, new Rng(1), [0.25, 0.25], [1, 1]);
    expect([box.height, box.width]).toEqual([2, 2]);
    const out = augment(x, d, 'crop', new Rng(1), { scale: [0.25, 0.25], ratio: [1, 1] });
    // a 2-pixel window upsampled to 4: the outer samples clamp, the inner ones interpolate by 1/4 and 3/4
    const at = (y: number, xx: number): number => 10 * (box.top + y) + box.left + xx;
    const v = (y: number, xx: number): number => out[y * 4 + xx]!;
    expect(v(0, 0)).toBeCloseTo(at(0, 0), 5);
    expect(v(3, 3)).toBeCloseTo(at(1, 1), 5);
    expect(v(0, 1)).toBeCloseTo(at(0, 0) + 0.25, 5);
    expect(v(2, 0)).toBeCloseTo(at(0, 0) + 10 * 0.75, 5);
  });

  it('keeps the whole image for a full-size square window', () => {
    const d: Dims = [3, 2, 5, 5];
    const x = ramp(d);
    expect(Array.from(augment(x, d, 'crop', new Rng(2), { scale: [1, 1], ratio: [1, 1] }))).toEqual(Array.from(x));
  });

  it('draws windows inside the image with area and aspect in range', () => {
    const rng = new Rng(3);
    const boxes = Array.from({ length: 200 }, () => randomCropBox(32, 48, rng, [0.6, 1], [3 / 4, 4 / 3]));
    // placed anywhere, not only in a corner
    expect(new Set(boxes.map((b) => b.top)).size).toBeGreaterThan(3);
    expect(new Set(boxes.map((b) => b.left)).size).toBeGreaterThan(3);
    for (const b of boxes) {
      expect(b.top).toBeGreaterThanOrEqual(0);
      expect(b.left).toBeGreaterThanOrEqual(0);
      expect(b.top + b.height).toBeLessThanOrEqual(32);
      expect(b.left + b.width).toBeLessThanOrEqual(48);
      expect(b.height * b.width).toBeGreaterThanOrEqual(0.55 * 32 * 48);
    }
    // a window that cannot fit falls back to the largest central one within the ratio range
    expect(randomCropBox(2, 20, new Rng(1), [1, 1], [1, 1])).toEqual({ top: 0, left: 9, height: 2, width: 2 });
  });

  it('refuses bad dims, modes and options', () => {
    const x = ramp([1, 1, 2, 2]);
    expect(() => augment(x, [1, 1, 2, 3], 'flip', new Rng(1))).toThrow(InputError);
    expect(() => augment(x, [1, 1, 2, 2], 'rotate' as 'flip', new Rng(1))).toThrow(/mode 'rotate'/);
    expect(() => augment(x, [1, 1, 2, 2], 'crop', new Rng(1), { scale: [0.5, 1.5] })).toThrow(/scale range/);
    expect(() => augment(x, [1, 1, 2, 2], 'crop', new Rng(1), { ratio: [2, 1] })).toThrow(/ratio range/);
    expect(() => augment(x, [1, 1, 2, 2], 'flip', new Rng(1), { flipProbability: 2 })).toThrow(/flip probability/);
    expect(parseAugmentMode('all')).toBe('all');
    expect(() => parseAugmentMode('mirror')).toThrow(/'mirror' is not one of none, flip, crop, all/);
  });
});
