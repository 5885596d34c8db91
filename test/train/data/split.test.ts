import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import type { Dataset } from '../../../src/train/data/dataset.js';
import { heldOutCount, splitValidation } from '../../../src/train/data/split.js';

/** `counts[c]` rows of class c, interleaved; row r holds the single value r. */
function classed(counts: number[]): Dataset {
  const labels: number[] = [];
  const left = [...counts];
  while (left.some((n) => n > 0)) {
    left.forEach((n, c) => {
      if (n > 0) {
        labels.push(c);
        left[c] = n - 1;
      }
    });
  }
  const x = Float32Array.from(labels, (_, r) => r);
  return { name: 'toy', size: labels.length, sampleShape: [1], x, labels: Int32Array.from(labels), classes: counts.map((_, c) => `c${c}`) };
}

const rowsOf = (d: Dataset): number[] => Array.from(d.x);
const countOf = (d: Dataset, c: number): number => Array.from(d.labels!).filter((l) => l === c).length;

describe('splitValidation', () => {
  it('holds out round(fraction·n) rows of each class, at least one of a class of two or more', () => {
    const d = classed([10, 5, 2, 1, 3]);
    const { train, val } = splitValidation(d, 0.2, 7);
    expect([0, 1, 2, 3, 4].map((c) => countOf(val, c))).toEqual([2, 1, 1, 0, 1]);
    expect([0, 1, 2, 3, 4].map((c) => countOf(train, c))).toEqual([8, 4, 1, 1, 2]);
    expect(val.size + train.size).toBe(d.size);
    // each row goes to exactly one side, with its label, in the original order
    const all = [...rowsOf(train), ...rowsOf(val)].sort((a, b) => a - b);
    expect(all).toEqual(rowsOf(d));
    for (const part of [train, val]) {
      const rows = rowsOf(part);
      expect(rows).toEqual([...rows].sort((a, b) => a - b));
      rows.forEach((r, i) => expect(part.labels![i]).toBe(d.labels![r]));
      expect(part.classes).toEqual(d.classes);
    }
    expect(val.name).toBe('toy:val');
    expect(train.name).toBe('toy');
  });

  it('never empties a class on the training side', () => {
    expect(heldOutCount(2, 0.9)).toBe(1);
    expect(heldOutCount(10, 0.99)).toBe(9);
    expect(heldOutCount(1, 0.9)).toBe(0);
    expect(heldOutCount(100, 0.005)).toBe(1);
    expect(heldOutCount(9, 0.5)).toBe(5);
  });

  it('is a function of the seed', () => {
    const d = classed([20, 20, 20]);
    const a = splitValidation(d, 0.25, 3);
    const b = splitValidation(d, 0.25, 3);
    expect(rowsOf(a.val)).toEqual(rowsOf(b.val));
    expect(rowsOf(a.train)).toEqual(rowsOf(b.train));
    expect(rowsOf(splitValidation(d, 0.25, 4).val)).not.toEqual(rowsOf(a.val));
    // the input is not touched
    expect(rowsOf(d)).toEqual(Array.from({ length: 60 }, (_, r) => r));
  });

  it('splits unlabelled data as one group', () => {
    const d: Dataset = { name: 'reg', size: 10, sampleShape: [1], x: Float32Array.from({ length: 10 }, (_, i) => i), targets: new Float32Array(10), targetWidth: 1 };
    const { train, val } = splitValidation(d, 0.3, 1);
    expect(val.size).toBe(3);
    expect(train.size).toBe(7);
    expect(val.targets).toHaveLength(3);
  });

  it('refuses fractions outside (0, 1) and splits that hold out nothing', () => {
    const d = classed([4, 4]);
    for (const f of [0, 1, -0.1, 1.5, NaN, Infinity]) {
      const e = (() => {
        try {
          splitValidation(d, f, 1);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(/validation fraction .* is not between 0 and 1/);
    }
    expect(() => splitValidation(d, 0.5, 1.5)).toThrow(InputError);
    expect(() => splitValidation(classed([1, 1, 1]), 0.5, 1)).toThrow(/holds out no rows of 'toy' \(every class has fewer than 2 rows\)/);
  });
});
