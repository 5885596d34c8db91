import { ModelRunner } from '../runtime/model-runner.js';
import { nodeBackend } from './backend.js';
import { loadModel, saveModel } from './model-file.js';
export class Model extends ModelRunner {
    static async load(source, opts = {}) {
        return new Model(await loadModel(source, opts), opts);
    }
    constructor(onnx, opts = {}) {
        super(onnx, nodeBackend, opts);
    }
    async save(file, opts = {}) {
        await saveModel(this.onnx, file, opts);
    }
}
