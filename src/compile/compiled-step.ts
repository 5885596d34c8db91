/**
 * Running the compiled training step: one ONNX Runtime session per batch
 * shape (shapes are static in the compiled graph), fed the weights, slots and
 * step scalars, returning the updated ones.
 */
import type { LossName } from '../grad/losses.js';
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { encodeModel } from '../onnx/model-io.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { asFloat } from '../grad/rule.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerName } from '../train/optimizers/index.js';
import { slotNames, stepInputs, type OptimizerHyper } from './optimizer-emit.js';
import { recordShapes } from './shapes.js';
import { compileStep, GRAD_NORM, LOSS, MAX_NORM, newSlot, newWeight, slotInput, TARGET } from './step-graph.js';

export interface StepScalars {
  lr: number;
  stepSize: number;
  invSqrtBc2: number;
  scale: number;
}

export interface CompiledStepResult {
  loss: number;
  gradNorm: number;
  output: Tensor;
  weights: Map<string, Float32Array>;
  slots: Map<string, Record<string, Float32Array>>;
}

export interface CompiledStepOptions {
  loss: LossName;
  optimizer: OptimizerName;
  hyper: OptimizerHyper;
  clip: boolean;
  providers?: readonly string[];
}

export class CompiledStep {
  private constructor(
    private readonly session: Session,
    private readonly plan: BackwardPlan,
    private readonly dims: Map<string, readonly number[]>,
    private readonly opts: CompiledStepOptions,
  ) {}

  get provider(): string {
    return this.session.provider;
  }

  static async create(
    model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, target: HostTensor,
    weights: Map<string, Float32Array>, opts: CompiledStepOptions,
  ): Promise<CompiledStep> {
    const shapes = await recordShapes(model, backend, plan, feeds, weights, opts.providers);
    const labels = target.data instanceof BigInt64Array || target.data instanceof Int32Array;
    const proto = compileStep(model, plan, shapes, { loss: opts.loss, optimizer: opts.optimizer, hyper: opts.hyper, labels, clip: opts.clip });
    const session = await Session.create(backend, encodeModel(proto), [], {
      label: `${model.file} (compiled training step)`, ...(opts.providers ? { providers: opts.providers } : {}),
    });
    return new CompiledStep(session, plan, new Map(plan.params.map((p) => [p, shapes.get(p)!])), opts);
  }

  async run(
    feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>,
    slots: Map<string, Record<string, Float32Array>>, scalars: Map<string, StepScalars>, maxNorm?: number,
  ): Promise<CompiledStepResult> {
    const all: Record<string, HostTensor> = { ...feeds };
    all[TARGET] = target.data instanceof Int32Array ? { dims: target.dims, data: BigInt64Array.from(target.data, (v) => BigInt(v)) } : target;
    if (this.opts.clip) all[MAX_NORM] = { dims: [], data: Float32Array.of(maxNorm ?? Infinity) };
    const names: string[] = [this.plan.output, LOSS, GRAD_NORM];
    for (const p of this.plan.params) {
      const dims = this.dims.get(p)!;
      all[p] = { dims, data: weights.get(p)! };
      const sc = scalars.get(p)!;
      const inp = stepInputs(p);
      all[inp.lr] = { dims: [], data: Float32Array.of(sc.lr) };
      all[inp.stepSize] = { dims: [], data: Float32Array.of(sc.stepSize) };
      all[inp.invSqrtBc2] = { dims: [], data: Float32Array.of(sc.invSqrtBc2) };
      all[inp.scale] = { dims: [], data: Float32Array.of(sc.scale) };
      names.push(newWeight(p));
      for (const s of slotNames[this.opts.optimizer]) {
        all[slotInput(p, s)] = { dims, data: slots.get(p)![s]! };
        names.push(newSlot(p, s));
      }
    }
    const out = await this.session.run(all, names);
    const newWeights = new Map<string, Float32Array>();
    const newSlots = new Map<string, Record<string, Float32Array>>();
    for (const p of this.plan.params) {
      newWeights.set(p, out[newWeight(p)]!.data as Float32Array);
      newSlots.set(p, Object.fromEntries(slotNames[this.opts.optimizer].map((s) => [s, out[newSlot(p, s)]!.data as Float32Array])));
    }
    return {
      loss: Number((out[LOSS]!.data as Float32Array)[0]),
      gradNorm: Number((out[GRAD_NORM]!.data as Float32Array)[0]),
      output: asFloat(out[this.plan.output], 'output'),
      weights: newWeights,
      slots: newSlots,
    };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
