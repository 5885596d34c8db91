import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { checkBatchLabels, checkLabels, confusionFromPredictions, formatConfusion } from '../../src/train/metrics.js';
import type { Dataset } from '../../src/train/data/dataset.js';

// 10 rows over 3 classes: true 0 0 0 0 1 1 1 2 2 2, predicted 0 0 1 2 1 1 0 2 2 2
const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const pred = [0, 0, 1, 2, 1, 1, 0, 2, 2, 2];

describe('confusionFromPredictions', () => {
  it('counts rows by true class (rows) and predicted class (columns)', () => {
    const c = confusionFromPredictions(pred, truth, 3);
    expect(c.matrix).toEqual([[2, 1, 1], [1, 2, 0], [0, 0, 3]]);
    expect(c.perClass.map((p) => p.rows)).toEqual([4, 3, 3]);
    expect(c.perClass.map((p) => p.correct)).toEqual([2, 2, 3]);
    expect(c.perClass.map((p) => p.accuracy)).toEqual([0.5, 2 / 3, 1]);
    expect(c.accuracy).toBe(0.7);
    expect(c.size).toBe(10);
  });

  it('a class without rows has NaN accuracy, not 0', () => {
    const c = confusionFromPredictions([0, 1], [0, 0], 3);
    expect(c.perClass[2]!.accuracy).toBeNaN();
    expect(c.perClass[0]!.accuracy).toBe(0.5);
  });

  it('refuses classes outside 0..K-1, naming the row', () => {
    expect(() => confusionFromPredictions([0, 3], [0, 1], 3, 'val')).toThrow(/val: predicted class 3 at row 1 is outside 0\.\.2/);
    expect(() => confusionFromPredictions([0, 1], [0, -1], 3)).toThrow(InputError);
  });
});

describe('formatConfusion', () => {
  it('lays out the matrix with names, accuracy and row counts', () => {
    const text = formatConfusion(confusionFromPredictions(pred, truth, 3), ['cat', 'dog', 'bird']);
    const lines = text.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^true\\pred\s+cat\s+dog\s+bird\s+acc\s+rows$/);
    expect(lines[1]).toMatch(/^cat\s+2\s+1\s+1\s+50\.0%\s+4$/);
    expect(lines[2]).toMatch(/^dog\s+1\s+2\s+0\s+66\.7%\s+3$/);
    expect(lines[3]).toMatch(/^bird\s+0\s+0\s+3\s+100\.0%\s+3$/);
    expect(lines[4]).toBe('accuracy 70.0% over 10 row(s)');
    // columns line up: every count ends where its header ends
    const ends = (line: string) => [...line.matchAll(/\S+/g)].map((m) => m.index! + m[0].length);
    expect(ends(lines[1]!).slice(1, 4)).toEqual(ends(lines[0]!).slice(1, 4));
    expect(ends(lines[3]!).slice(1)).toEqual(ends(lines[0]!).slice(1));
  });

  it('fits 80 columns with 10 classes of long names and large counts', () => {
    const k = 10;
    const p: number[] = [], t: number[] = [];
    for (let i = 0; i < 25_000; i++) { t.push(i % k); p.push((i * 7) % k); }
    const names = Array.from({ length: k }, (_, i) => `a very long class name number ${i}`);
    const text = formatConfusion(confusionFromPredictions(p, t, k), names);
    const lines = text.split('\n');
    expect(lines).toHaveLength(k + 2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[1]).toMatch(/^a very long… /);
  });

  it('beyond 10 classes: one line per class with what it is taken for, within 80 columns', () => {
    const k = 12;
    const t = Array.from({ length: 48 }, (_, i) => i % k);
    const p = t.map((c, i) => (c === 5 && i < 30 ? 7 : c));
    const names = Array.from({ length: k }, (_, i) => `class-${i}`);
    const lines = formatConfusion(confusionFromPredictions(p, t, k), names).split('\n');
    expect(lines).toHaveLength(k + 2);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[6]).toMatch(/^class-5\s+4\s+25\.0%\s+class-7 \(3\)$/);
    expect(lines[1]).toMatch(/^class-0\s+4\s+100\.0%\s+—$/);
  });

  it('names default to the class indices', () => {
    const lines = formatConfusion(confusionFromPredictions([1, 0], [1, 1], 2)).split('\n');
    expect(lines[0]).toMatch(/^true\\pred\s+0\s+1\s/);
    expect(lines[2]).toMatch(/^1\s+1\s+1\s+50\.0%\s+2$/);
  });
});

function labelled(labels: number[]): Dataset {
  return { name: 'photos', size: labels.length, sampleShape: [1], x: new Float32Array(labels.length), labels: Int32Array.from(labels) };
}

describe('checkLabels', () => {
  it('passes labels in 0..K-1', () => {
    expect(() => checkLabels(labelled([0, 1, 2, 1]), 3, 'train')).not.toThrow();
  });

  it('names the split, the label and the row of the first label out of range', () => {
    expect(() => checkLabels(labelled([0, 1, 3, 1, 7]), 3, 'eval')).toThrow(new InputError("eval data 'photos': label 3 at row 2 is outside 0..2 (the model has 3 output classes)"));
    expect(() => checkLabels(labelled([0, -1]), 3, 'train')).toThrow(/train data 'photos': label -1 at row 1/);
  });

  it('checks the width of float targets', () => {
    const d: Dataset = { name: 'soft', size: 2, sampleShape: [1], x: new Float32Array(2), targets: new Float32Array(8), targetWidth: 4 };
    expect(() => checkLabels(d, 3, 'train')).toThrow(/train data 'soft': targets are 4 wide, the model has 3 outputs/);
    expect(() => checkLabels(d, 4, 'train')).not.toThrow();
  });

  it('checkBatchLabels refuses an int64 label out of range and passes float targets', () => {
    expect(() => checkBatchLabels({ dims: [3], data: BigInt64Array.from([0n, 2n, 5n]) }, 5, 'batch')).toThrow(/batch: label 5 at row 2 of the batch is outside 0\.\.4/);
    expect(() => checkBatchLabels({ dims: [3], data: BigInt64Array.from([0n, 2n, 4n]) }, 5, 'batch')).not.toThrow();
    expect(() => checkBatchLabels({ dims: [1, 2], data: Float32Array.from([9, 9]) }, 2, 'batch')).not.toThrow();
  });
});
