import { describe, expect, it } from 'vitest';
import { isBatchSource, type BatchSource } from '../../src/train/batch-source.js';
import { blobs } from './fixtures.js';

describe('isBatchSource', () => {
  it('tells a source that builds its own batches from an in-memory dataset', () => {
    const data = blobs(6);
    const source: BatchSource = { name: 'rows', size: 6, batch: () => ({ feeds: {}, target: { dims: [0], data: new Float32Array(0) } }) };
    expect(isBatchSource(source)).toBe(true);
    expect(isBatchSource(data)).toBe(false);
  });
});
