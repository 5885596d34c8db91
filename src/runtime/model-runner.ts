/**
 * A loaded model bound to a backend: inference with a session created on
 * first use and re-created after the weights change, and classification of
 * an image already made into the model input (see src/classify.ts; the Node
 * and browser Models decode images their own way and call classifyInput).
 */
import { batchOf, classifierPlan, interpretOutput, type ClassifierPlan, type ClassifyResult } from '../classify.js';
import { InputError } from '../errors.js';
import type { OnnxModel, TensorSpec } from '../model.js';
import { encodeForRuntime } from '../onnx/model-io.js';
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
      this.session = Session.create(this.backend, encodeForRuntime(this.onnx.runtimeProto()), this.onnx.inputs, { label: this.onnx.file, ...this.sessionOptions });
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

  /** How an image is fed to this model and its output read (stored preprocessing and labels, or the defaults). */
  classifierPlan(): ClassifierPlan {
    return classifierPlan(this.onnx);
  }

  /**
   * Classify one image given as the model input for a single image (what
   * imageTensor makes for `plan`): run it (repeated to a fixed batch) and
   * read batch row 0 of the first output as a labelled result.
   */
  async classifyInput(x: Float32Array, plan: ClassifierPlan = this.classifierPlan()): Promise<ClassifyResult> {
    const per = plan.dims.slice(1).reduce((a, b) => a * b, 1);
    if (x.length !== per) throw new InputError(`${this.onnx.file}: an image input for '${plan.input}' holds ${per} values [${plan.dims.slice(1).join(',')}], got ${x.length}`);
    const out = (await this.run({ [plan.input]: { dims: plan.dims, data: batchOf(x, plan) } }, [plan.output]))[plan.output];
    if (!out || !(out.data instanceof Float32Array)) throw new InputError(`${this.onnx.file}: output '${plan.output}' is not float32 class scores`);
    return interpretOutput(this.onnx.file, plan, out.data, out.dims);
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
