/**
 * edgetune as a benchmarked system: inference with Model.run and training
 * with Tuner.trainStep on its default backward path (edgetune) or with
 * backward: 'typescript' (edgetune-ts), forward on onnxruntime-node.
 */
import { Model } from '../../src/node/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { OnnxModel } from '../../src/model.js';
import type { LossName } from '../../src/grad/losses.js';
import { Tuner } from '../../src/train/tuner.js';
import type { HostBatch } from '../workloads.js';

/** Model.run on the model's first input and output. */
export class EdgetuneInfer {
  private constructor(private readonly model: Model, private readonly input: string, private readonly output: string) {}

  static async create(bytes: Uint8Array, label: string): Promise<EdgetuneInfer> {
    const model = new Model(OnnxModel.fromBytes(bytes, label));
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
}

/** A Tuner on a fresh copy of the model, training every float parameter. */
export async function edgetuneTuner(bytes: Uint8Array, label: string, opts: EdgetuneTrainOptions): Promise<Tuner> {
  return Tuner.create(OnnxModel.fromBytes(bytes, label), nodeBackend, {
    loss: opts.loss, optimizer: opts.optimizer, lr: opts.lr, ...(opts.backward ? { backward: opts.backward } : {}),
  });
}

/** The Tuner's batch for host data (int64 labels, as makeBatch gives). */
export function tunerBatch(tuner: Tuner, b: HostBatch): Parameters<Tuner['trainStep']>[0] {
  return {
    feeds: { [tuner.inputName]: { dims: b.dims, data: b.x } },
    target: { dims: [b.n], data: b.labels64 },
  };
}
