/**
 * The model the backward pass works on: a copy of the user's model with the
 * training passes applied, in this order — model-local functions inlined,
 * If nodes with a stored condition resolved to their branch, float Constant
 * nodes promoted to initializers, a fixed batch dimension made symbolic where
 * the graph allows it, and — when asked — BatchNormalization rewritten to
 * normalise with batch statistics. Value names are unchanged, so parameters
 * keep their names, and the user's model is never modified here: tuned
 * values are written back into it by name (initializer or Constant node).
 */
import { OnnxModel } from '../../model.js';
import { promoteConstants } from './promote-constants.js';
import { resolveStaticIfs } from './resolve-if.js';
import { freeBatch, type BatchInfo } from './free-batch.js';
import { batchNormTraining, type BatchStat } from './batch-norm-train.js';

export interface TrainingModel {
  model: OnnxModel;
  /** values stored as Constant nodes in the user's model */
  promoted: string[];
  /** If nodes resolved to one branch */
  resolvedIfs: string[];
  /** the batch dimension in the file, and whether training made it symbolic */
  batch: BatchInfo;
  /** BatchNormalization nodes rewritten to use batch statistics (batchNorm 'train') */
  batchStats: BatchStat[];
}

export interface TrainingModelOptions {
  /** 'frozen' (default): BatchNormalization uses its running statistics; 'train': batch statistics */
  batchNorm?: 'frozen' | 'train';
}

export function trainingModel(model: OnnxModel, opts: TrainingModelOptions = {}): TrainingModel {
  const proto = model.inlined();
  const resolvedIfs = resolveStaticIfs(proto);
  const promoted = promoteConstants(proto);
  const batch = freeBatch(proto, model.inputs.map((i) => i.name));
  const batchStats = opts.batchNorm === 'train' ? batchNormTraining(proto) : [];
  return { model: new OnnxModel(proto, model.file, model.external), promoted, resolvedIfs, batch, batchStats };
}
