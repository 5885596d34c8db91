/**
 * edgetune in the browser: load ONNX models, run them on onnxruntime-web
 * (WebGPU, WebGL or wasm, the caller's order), fine-tune their weights in the
 * page, and take the tuned .onnx back as bytes. Nothing here uses Node.
 */
export { configureOrt, createWebBackend, defaultThreads, ort, webBackend, webgpuAdapterInfo, WEB_PROVIDERS } from './backend.js';
export type { AdapterInfo, OrtSettings, WebBackendOptions } from './backend.js';
export {
  chooseDefaultProviders, defaultProviders, describeWebgpuAdapter, isSoftwareAdapter,
  type AdapterInfoLike, type AdapterLike, type DefaultProviderOptions, type GpuAdapterDescription, type GpuLike, type ProviderChoice,
} from './adapter-check.js';
export { commitTuned, createTuner, defaultBackward, fetchBytes, loadModel, tunedBytes, tunerProvider, WebModel } from './model.js';
export type { ModelSource, WebLoadOptions, WebTunerOptions } from './model.js';
export { imagePixels, type ImageInput, type RgbaPixels } from './image-pixels.js';
export { classifierPlan, grayInputs, imageTensor, interpretOutput, normalisePlanes, outputKind, rgbaToPlanes, type ClassifierPlan, type ClassifyResult, type OutputKind } from '../classify.js';
export {
  channelCount, LABELS_KEY, normalisePreprocess, PREPROCESS_KEY, readLabels, readPreprocess, writeLabels, writePreprocess,
  type ChannelOrder, type Layout, type Preprocess, type PreprocessInput, type ResizeMode,
} from '../model-metadata.js';
export { deleteStoredModel, loadStoredModel, saveStoredModel, StorageError, type StoredModel } from './model-store.js';
export { decodeDigits, encodeDigits, type DigitSplit } from './digits.js';
export { explicitConvDefaults, lowerEdgetuneOps, lowerForWebgl, lowerForWebgpu, pinBatch, prepareForProvider } from '../runtime/lower.js';
export { OnnxModel, type TensorSpec } from '../model.js';
export * from '../errors.js';
export type { Backend } from '../runtime/backend.js';
export type { HostTensor } from '../runtime/host-tensor.js';
export { ModelRunner } from '../runtime/model-runner.js';
export { Session, RuntimeError, type SessionOptions } from '../runtime/session.js';
export { argmaxRows, countCorrect, ResidentStateError, Tuner, type Batch, type StepInfo, type TunerOptions } from '../train/tuner.js';
export { confusionMatrix, evaluate, fit, makeBatch, type BatchSource, type CheckpointStore, type EvalResult, type FitOptions, type FitResult, type Progress, type TrainingData } from '../train/fit.js';
export { confusionFromPredictions, formatConfusion, type Confusion } from '../train/metrics.js';
export { replaceHead, type ReplacedHead, type ReplaceHeadOptions } from '../graph/passes/replace-head.js';
export {
  FeatureCache, FeatureSplit, fitCached, splitForTuner, splitFrozenPrefix,
  type CachedFitOptions, type CachedFitResult, type FeatureCacheOptions, type NoSplit, type SplitOptions,
} from '../train/feature-cache.js';
export { batchOf, filterClasses, subset, takePerClass, type Dataset } from '../train/data/dataset.js';
export { computeLoss, LOSSES, type LossName } from '../grad/losses.js';
export { Rng } from '../train/rng.js';
