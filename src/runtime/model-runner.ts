/**
 * A loaded model bound to a backend: inference with a session created on
 * first use and re-created after the weights change.
 */
import type { OnnxModel, TensorSpec } from '../model.js';
import { encodeModel } from '../onnx/model-io.js';
import type { Backend } from './backend.js';
import type { HostTensor } from './host-tensor.js';
import { Session, type SessionOptions } from './session.js';

export class ModelRunner {
  private session: Promise<Session> | undefined;

  constructor(readonly onnx: OnnxModel, readonly backend: Backend, readonly sessionOptions: SessionOptions = {}) {}

  get inputs(): TensorSpec[] {
    return this.onnx.inputs;
  }

  get outputs(): TensorSpec[] {
    return this.onnx.outputs;
  }

  /** The session for the current weights. */
  async getSession(): Promise<Session> {
    if (!this.session) {
      this.session = Session.create(this.backend, encodeModel(this.onnx.runtimeProto()), this.onnx.inputs, { label: this.onnx.file, ...this.sessionOptions });
      this.session.catch(() => { this.session = undefined; });
    }
    return this.session;
  }

  /** The execution provider the session runs on. */
  async provider(): Promise<string> {
    return (await this.getSession()).provider;
  }

  async run(feeds: Record<string, HostTensor>, outputs?: readonly string[]): Promise<Record<string, HostTensor>> {
    return (await this.getSession()).run(feeds, outputs);
  }

  /** Drop the session so the next run sees changed initializer values. */
  async invalidate(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await (await s).dispose().catch(() => undefined);
  }

  async dispose(): Promise<void> {
    await this.invalidate();
  }
}
