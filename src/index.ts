/**
 * edgetune for Node: load ONNX models, run them on onnxruntime-node, compute
 * gradients with the backprop rules, fine-tune, and write the tuned weights
 * back into the .onnx.
 */
export { Model } from './node/model.js';
export { nodeBackend, nodeRuntime } from './node/backend.js';
export { loadModel, loadModelFile, saveModel } from './node/model-file.js';
export { readFileBytes, writeFileAtomic } from './node/files.js';
export { OnnxModel, type TensorSpec } from './model.js';
export * from './errors.js';
export { DataType, dtypeName } from './onnx/dtypes.js';
export { decodeModel, encodeModel } from './onnx/model-io.js';
export { readTensor, writeTensor } from './onnx/tensor-codec.js';
export type { HostTensor } from './runtime/host-tensor.js';
export { Session } from './runtime/session.js';
export { GradientEngine, type EngineOptions } from './grad/engine.js';
export { gradcheck, type GradcheckReport, type GradcheckOptions, type ParamCheck } from './grad/gradcheck.js';
export { computeLoss, LOSSES, type LossName } from './grad/losses.js';
export { rules } from './grad/rules/index.js';
export type { GradRule, RuleContext } from './grad/rule.js';
export { parseNpy, encodeNpy, readNpy, writeNpy } from './io/npy.js';
export { encodeSafetensors, parseSafetensors } from './io/safetensors.js';
export * as customops from '../customops/index.js';
export { Tuner, type TunerOptions, type Batch, type StepInfo } from './train/tuner.js';
export {
  fit, evaluate, makeBatch, confusionMatrix, type FitOptions, type FitResult, type Progress, type CheckpointStore,
  type BatchSource, type EpochRecord, type StopReason, type DivergenceOptions,
} from './train/fit.js';
export { confusionFromPredictions, formatConfusion, checkLabels, checkBatchLabels, type Confusion } from './train/metrics.js';
export { FeatureCache, FeatureSplit, fitCached, splitFrozenPrefix, splitForTuner } from './train/feature-cache.js';
export { tempFileSpill } from './train/feature-spill.js';
export { augment, type AugmentMode } from './train/data/augment.js';
export { splitValidation } from './train/data/split.js';
export { replaceHead, type ReplaceHeadOptions, type ReplacedHead } from './graph/passes/replace-head.js';
export { untieParameters } from './graph/passes/untie.js';
export * from './model-metadata.js';
export type { ClassifyResult, ClassifierPlan } from './classify.js';
export { folderCheckpoints } from './train/checkpoint.js';
export { loadMnist } from './train/data/mnist.js';
export { loadDataset } from './train/data/load.js';
export type { Dataset } from './train/data/dataset.js';
export { optimizers, getOptimizer, type OptimizerName } from './train/optimizers/index.js';
export { safetensorsBytes } from './train/export.js';
