/**
 * edgetune as a benchmarked system: inference with Model.run and training
 * with Tuner.trainStep, on onnxruntime-node (forward) and the rules (backward).
 */
import { Model } from '../../src/node/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { OnnxModel } from '../../src/model.js';
import { Tuner } from '../../src/train/tuner.js';
/** Model.run on the model's first input and output. */
export class EdgetuneInfer {
    model;
    input;
    output;
    constructor(model, input, output) {
        this.model = model;
        this.input = input;
        this.output = output;
    }
    static async create(bytes, label) {
        const model = new Model(OnnxModel.fromBytes(bytes, label));
        return new EdgetuneInfer(model, model.inputs[0].name, model.outputs[0].name);
    }
    async run(x, dims) {
        const out = await this.model.run({ [this.input]: { dims, data: x } }, [this.output]);
        return out[this.output].data;
    }
    async dispose() {
        await this.model.dispose();
    }
}
/** A Tuner on a fresh copy of the model, training every float parameter. */
export async function edgetuneTuner(bytes, label, opts) {
    return Tuner.create(OnnxModel.fromBytes(bytes, label), nodeBackend, {
        loss: opts.loss, optimizer: opts.optimizer, lr: opts.lr, ...(opts.backward ? { backward: opts.backward } : {}),
    });
}
/** The Tuner's batch for host data (int64 labels, as makeBatch gives). */
export function tunerBatch(tuner, b) {
    return {
        feeds: { [tuner.inputName]: { dims: b.dims, data: b.x } },
        target: { dims: [b.n], data: b.labels64 },
    };
}
