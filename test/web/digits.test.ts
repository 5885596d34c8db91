import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/train/data/dataset.js';
import { decodeDigits, encodeDigits } from '../../src/web/digits.js';

function set(name: string, labels: number[], side: number, f: (row: number, p: number) => number): Dataset {
  const px = side * side;
  const x = Float32Array.from({ length: labels.length * px }, (_, i) => f(Math.floor(i / px), i % px));
  return { name, size: labels.length, sampleShape: [1, side, side], x, labels: Int32Array.from(labels) };
}

describe('the demo digit file', () => {
  const train = set('t', [3, 1, 4], 4, (r, p) => ((r * 16 + p) % 11) / 10);
  const test = set('v', [9, 2], 4, (r, p) => (r + p) / 20);

  it('lays out header, labels and byte pixels as documented', () => {
    const bytes = encodeDigits({ train, test });
    expect(bytes.byteLength).toBe(16 + 5 + 5 * 16);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x45, 0x44, 0x47, 0x31]);
    const v = new DataView(bytes.buffer);
    expect([v.getUint32(4, true), v.getUint32(8, true), v.getUint32(12, true)]).toEqual([4, 3, 2]);
    expect(Array.from(bytes.subarray(16, 21))).toEqual([3, 1, 4, 9, 2]);
    // train row 0, pixel 5: v = 5/10 → round(127.5) = 128; test row 1, pixel 3: (1 + 3)/20 = 0.2 → 51
    expect(bytes[21 + 5]).toBe(128);
    expect(bytes[21 + 4 * 16 + 3]).toBe(51);
  });

  it('decodes to [1,S,S] samples within 1/510 of the originals', () => {
    const d = decodeDigits(encodeDigits({ train, test }), 'x');
    expect(d.train.name).toBe('x:train');
    expect(d.train.sampleShape).toEqual([1, 4, 4]);
    expect(Array.from(d.train.labels!)).toEqual([3, 1, 4]);
    expect(Array.from(d.test.labels!)).toEqual([9, 2]);
    for (const [a, b] of [[d.train.x, train.x], [d.test.x, test.x]] as const) {
      for (let i = 0; i < b.length; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(1 / 510 + 1e-7);
    }
  });

  it('refuses files that are not digit files or are cut short, and samples that are not labelled squares', () => {
    const bytes = encodeDigits({ train, test });
    expect(() => decodeDigits(new Uint8Array([1, 2, 3]), 'f')).toThrow(/f: not an edgetune digit file/);
    expect(() => decodeDigits(bytes.subarray(0, bytes.length - 1), 'f')).toThrow(/f: expected 101 bytes/);
    const flat: Dataset = { ...train, sampleShape: [16] };
    expect(() => encodeDigits({ train: flat, test })).toThrow(/labelled \[1,/);
  });
});
