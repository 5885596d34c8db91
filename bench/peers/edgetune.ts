/**
 * edgetune as a benchmarked system: inference with Model.run and training
 * with Tuner.trainStep on its default backward path (edgetune) or with
 * backward: 'typescript' (edgetune-ts), forward on onnxruntime-node.
 *
 * Threads: without `threads` every session gets the Node backend's options
 * (intraOpNumThreads 0: ONNX Runtime's default pool, one thread per core);
 * with `threads` the sessions' intra-op pool has that many threads.
 */
import { Model } from '../../src/node/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { OnnxModel } from '../../src/model.js';
import type { LossName } from '../../src/grad/losses.js';
import type { Backend } from '../../src/runtime/backend.js';
import { Tuner } from '../../src/train/tuner.js';
import type { HostBatch } from '../workloads.js';

/** Model.run on the model's first input and output. */
export class EdgetuneInfer {
  private constructor(private readonly model: Model, private readonly input: string, private readonly output: string) {}

  static async create(bytes: Uint8Array, label: string, threads?: number): Promise<EdgetuneInfer> {
    const model = new Model(OnnxModel.fromBytes(bytes, label), threads === undefined ? {} : { ortOptions: { intraOpNumThreads: threads } });
    return new EdgetuneInfer(model, model.inputs[0]!.name, model.outputs[0]!.name);
  }

  async run(x: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const out = await this.model.run({ [this.input]: { dims, data: x } }, [this.output]);
    return out[this.output]!.data as Float32Array;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}

export interface EdgetuneTrainOptions {
  optimizer: 'sgd' | 'adam';
  lr: number;
  loss: LossName;
  /** the Tuner's backward path (default: the Tuner's own default) */
  backward?: 'compiled' | 'typescript';
  /** ONNX Runtime intra-op threads of every session (default: the backend's, one per core) */
  threads?: number;
  /** names to train (default: every float parameter on a gradient path) */
  trainable?: string[];
}

/** The Node backend with `threads` intra-op threads per session (the backend itself when undefined). */
export function threadedBackend(threads: number | undefined): Backend {
  if (threads === undefined) return nodeBackend;
  return { ...nodeBackend, sessionOptions: (p: string) => ({ ...nodeBackend.sessionOptions?.(p), intraOpNumThreads: threads }) };
}

/** A Tuner on a fresh copy of the model, training every float parameter (or those named in `trainable`). */
export async function edgetuneTuner(bytes: Uint8Array, label: string, opts: EdgetuneTrainOptions): Promise<Tuner> {
  return Tuner.create(OnnxModel.fromBytes(bytes, label), threadedBackend(opts.threads), {
    loss: opts.loss, optimizer: opts.optimizer, lr: opts.lr, ...(opts.backward ? { backward: opts.backward } : {}),
    ...(opts.trainable ? { trainable: opts.trainable } : {}),
  });
}

/** The Tuner's batch for host data (int64 labels, as makeBatch gives). */
export function tunerBatch(tuner: Tuner, b: HostBatch): Parameters<Tuner['trainStep']>[0] {
  return {
    feeds: { [tuner.inputName]: { dims: b.dims, data: b.x } },
    target: { dims: [b.n], data: b.labels64 },
  };
}
