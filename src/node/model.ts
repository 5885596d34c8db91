/** The Node entry's Model: load from a path or bytes, run on onnxruntime-node, save atomically. */
import type { OnnxModel } from '../model.js';
import { ModelRunner } from '../runtime/model-runner.js';
import type { SessionOptions } from '../runtime/session.js';
import { nodeBackend } from './backend.js';
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
}
