/**
 * Image-folder training data with augmentation (src/train/data/augment.ts)
 * applied to every training batch as it is made: the dataset's own arrays are
 * never changed, and evaluation data is never augmented. Each batch fit()
 * makes draws from a generator of its own, keyed by the seed, the epoch and
 * the batch's index in it (Rng.forKey): a run with the same seed sees the
 * same crops and flips, and a run resumed from a checkpoint the ones the
 * uninterrupted run would have seen. A batch asked for without its place in
 * a run draws from one stream seeded once.
 */
import { InputError } from '../errors.js';
import { augment, type AugmentMode } from './data/augment.js';
import type { Dataset } from './data/dataset.js';
import type { BatchPosition, BatchSource } from './batch-source.js';
import { makeBatch } from './fit.js';
import { Rng } from './rng.js';
import type { Batch, Tuner } from './tuner.js';

export function augmentedSource(tuner: Tuner, d: Dataset, mode: AugmentMode, seed: number): BatchSource {
  if (d.sampleShape.length !== 3) throw new InputError(`${d.name}: augmentation needs images [C,H,W], the samples are [${d.sampleShape.join(',')}]`);
  const stream = new Rng(seed);
  const [c, h, w] = d.sampleShape as [number, number, number];
  return {
    name: d.name,
    size: d.size,
    config: `augment ${mode}, seed ${seed}`,
    batch(rows: ArrayLike<number>, at?: BatchPosition): Batch {
      const b = makeBatch(tuner, d, rows);
      const feed = b.feeds[tuner.inputName]!;
      const rng = at ? Rng.forKey(seed, at.epoch, at.batchInEpoch) : stream;
      const data = augment(feed.data as Float32Array, [rows.length, c, h, w], mode, rng);
      return { ...b, feeds: { ...b.feeds, [tuner.inputName]: { dims: feed.dims, data } } };
    },
  };
}
