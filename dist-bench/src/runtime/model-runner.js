import { encodeModel } from '../onnx/model-io.js';
import { Session } from './session.js';
export class ModelRunner {
    onnx;
    backend;
    sessionOptions;
    session;
    constructor(onnx, backend, sessionOptions = {}) {
        this.onnx = onnx;
        this.backend = backend;
        this.sessionOptions = sessionOptions;
    }
    get inputs() {
        return this.onnx.inputs;
    }
    get outputs() {
        return this.onnx.outputs;
    }
    /** The session for the current weights. */
    async getSession() {
        if (!this.session) {
            this.session = Session.create(this.backend, encodeModel(this.onnx.runtimeProto()), this.onnx.inputs, { label: this.onnx.file, ...this.sessionOptions });
            this.session.catch(() => { this.session = undefined; });
        }
        return this.session;
    }
    /** The execution provider the session runs on. */
    async provider() {
        return (await this.getSession()).provider;
    }
    async run(feeds, outputs) {
        return (await this.getSession()).run(feeds, outputs);
    }
    /** Drop the session so the next run sees changed initializer values. */
    async invalidate() {
        const s = this.session;
        this.session = undefined;
        if (s)
            await (await s).dispose().catch(() => undefined);
    }
    async dispose() {
        await this.invalidate();
    }
}
