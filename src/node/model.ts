/** The Node entry's Model: load from a path or bytes, run on onnxruntime-node, classify images, save atomically. */
import type { ClassifyResult } from '../classify.js';
import type { OnnxModel } from '../model.js';
import { ModelRunner } from '../runtime/model-runner.js';
import type { SessionOptions } from '../runtime/session.js';
import { nodeBackend } from './backend.js';
import { readFileBytes } from './files.js';
import { imageInput } from './image-input.js';
import { loadModel, saveModel, type LoadOptions } from './model-file.js';

export class Model extends ModelRunner {
  static async load(source: string | Uint8Array, opts: LoadOptions & SessionOptions = {}): Promise<Model> {
    return new Model(await loadModel(source, opts), opts);
  }

  constructor(onnx: OnnxModel, opts: SessionOptions = {}) {
    super(onnx, nodeBackend, opts);
  }

  async save(file: string, opts: { inPlace?: boolean } = {}): Promise<void> {
    await saveModel(this.onnx, file, opts);
  }

  /**
   * Classify a PNG or JPEG (its path or bytes) with the model's stored
   * preprocessing and labels, or the defaults of a model without them (see
   * src/classify.ts): `{ label, index, probability, probabilities }`.
   */
  async classify(image: Uint8Array | string): Promise<ClassifyResult> {
    const plan = this.classifierPlan();
    const bytes = typeof image === 'string' ? await readFileBytes(image) : image;
    return this.classifyInput(imageInput(bytes, plan.preprocess, typeof image === 'string' ? image : undefined), plan);
  }
}
