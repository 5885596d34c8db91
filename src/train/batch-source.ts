/**
 * Rows that fit() and evaluate() take besides an in-memory Dataset: a source
 * that builds the batch of given rows itself, e.g. features cached from a
 * model's frozen layers (src/train/feature-cache.ts) or augmented images
 * (src/train/augmented.ts).
 */
import type { Dataset } from './data/dataset.js';
import type { Batch } from './tuner.js';

/** Where a batch falls in a run: its epoch and its index within the epoch (from 0). */
export interface BatchPosition {
  epoch: number;
  batchInEpoch: number;
}

export interface BatchSource {
  readonly name: string;
  readonly size: number;
  /**
   * The batch of these rows, in this order: feeds for the tuner's model and
   * the target. fit() says where the batch falls in the run (`at`), the same
   * for a run resumed from a checkpoint as for the uninterrupted one.
   */
  batch(rows: ArrayLike<number>, at?: BatchPosition): Batch | Promise<Batch>;
  /** the batches hold cached features (progress says so) */
  readonly cachedFeatures?: boolean;
  /** what else decides the batches (e.g. augmentation and its seed): a checkpoint resumes only with the same */
  readonly config?: string;
}

export type TrainingData = Dataset | BatchSource;

export function isBatchSource(d: TrainingData): d is BatchSource {
  return typeof (d as Partial<BatchSource>).batch === 'function';
}
