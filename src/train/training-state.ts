/** What a checkpoint holds: enough to continue a run bit for bit. */
import type { OptimizerState } from './optimizers/index.js';

export interface TrainingState {
  step: number;
  epoch: number;
  /** batches of the current epoch already done */
  batchInEpoch: number;
  /** RNG state at the start of the current epoch (the epoch's order is drawn from it) */
  rngState: number[];
  weights: Map<string, Float32Array>;
  optimizer: Map<string, OptimizerState>;
  /** BatchNormalization running statistics, when training with batch statistics */
  running?: Map<string, Float32Array>;
  /** a fingerprint of the run's options; resuming with others is refused */
  config: string;
}
