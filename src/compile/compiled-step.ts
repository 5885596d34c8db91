/**
 * Running the compiled training step: one ONNX Runtime session per batch
 * shape (shapes are static in the compiled graph), fed the weights, slots and
 * step scalars, returning the updated ones. On WebGPU the updated weights and
 * slots stay in GPU buffers, so the next step (of any batch shape) takes them
 * as they are: nothing but the batch, the target, the scalars and the small
 * outputs crosses to or from the GPU.
 */
import type { LossName } from '../grad/losses.js';
import type { BackwardPlan } from '../grad/plan.js';
import type { OnnxModel } from '../model.js';
import { encodeModel } from '../onnx/model-io.js';
import type { Backend, OrtTensor } from '../runtime/backend.js';
import { fromOrt, type Feed, type HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { asFloat } from '../grad/rule.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerName } from '../train/optimizers/index.js';
import { slotNames, stepInputs, type OptimizerHyper } from './optimizer-emit.js';
import { recordShapes } from './shapes.js';
import { DataType } from '../onnx/dtypes.js';
import { compileStep, GRAD_NORM, LOSS, MAX_NORM, newSlot, newWeight, slotInput, TARGET, UPDATE_CHECK } from './step-graph.js';

export interface StepScalars {
  lr: number;
  stepSize: number;
  invSqrtBc2: number;
  scale: number;
}

/**
 * Weights and optimizer slots keyed by the step's input names: the
 * parameter's initializer name, and `edgetune.slot/<p>::<slot>`.
 */
export type StepState = Map<string, Feed>;

export interface CompiledStepResult {
  loss: number;
  gradNorm: number;
  /** every new weight is finite (checked inside the graph, so GPU-resident weights need no download) */
  updateFinite: boolean;
  output: Tensor;
  /** the forward values asked for with `extraOutputs` (BatchNormalization's batch statistics) */
  batchStats: Map<string, Float32Array>;
  /** the updated weights and slots, keyed for the next step; in GPU buffers on webgpu */
  next: Map<string, OrtTensor>;
}

/**
 * Tensors as host arrays. Those in GPU memory are downloaded and their
 * buffers freed (they become CPU tensors); CPU ones give their arrays as they
 * are, uncopied.
 */
export async function downloadTensors(tensors: Map<string, OrtTensor>): Promise<Map<string, Float32Array>> {
  return new Map(await Promise.all([...tensors].map(async ([k, t]) => [k, (await t.getData(true)) as Float32Array] as const)));
}

/** Where a state's tensors are: 'gpu-buffer' when every one is in GPU memory, 'cpu' when none is, else 'mixed'. */
export function stateLocation(state: Map<string, OrtTensor>): 'gpu-buffer' | 'cpu' | 'mixed' {
  const onGpu = [...state.values()].filter((t) => t.location === 'gpu-buffer').length;
  return onGpu === 0 ? 'cpu' : onGpu === state.size ? 'gpu-buffer' : 'mixed';
}

/** Free the GPU buffers of a state's tensors (CPU ones are left alone: their arrays may still be in use). */
export function disposeState(state: Map<string, OrtTensor> | undefined): void {
  for (const t of state?.values() ?? []) if (t.location === 'gpu-buffer') t.dispose();
}

export interface CompiledStepOptions {
  loss: LossName;
  optimizer: OptimizerName;
  hyper: OptimizerHyper;
  clip: boolean;
  providers?: readonly string[];
  /** forward values the step also returns (on the host) */
  extraOutputs?: readonly string[];
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
    const proto = compileStep(model, plan, shapes, {
      loss: opts.loss, optimizer: opts.optimizer, hyper: opts.hyper, labels, clip: opts.clip,
      target: { dims: target.dims, elemType: labels ? DataType.INT64 : DataType.FLOAT },
      extraOutputs: opts.extraOutputs ?? [],
    });
    const stateOutputs = plan.params.flatMap((p) => [newWeight(p), ...slotNames[opts.optimizer].map((s) => newSlot(p, s))]);
    const session = await Session.create(backend, encodeModel(proto), [], {
      label: `${model.file} (compiled training step)`, gpuOutputs: stateOutputs, ...(opts.providers ? { providers: opts.providers } : {}),
    });
    return new CompiledStep(session, plan, new Map(plan.params.map((p) => [p, shapes.get(p)!])), opts);
  }

  /** The step's state from host arrays: each weight and each of its optimizer slots (wrapped, not copied). */
  hostState(weights: Map<string, Float32Array>, slots: Map<string, Record<string, Float32Array>>): StepState {
    const state: StepState = new Map();
    for (const p of this.plan.params) {
      const dims = this.dims.get(p)!;
      state.set(p, { dims, data: weights.get(p)! });
      for (const s of slotNames[this.opts.optimizer]) state.set(slotInput(p, s), { dims, data: slots.get(p)![s]! });
    }
    return state;
  }

  /**
   * One training step. `state` holds the weights and slots (host arrays, or
   * the tensors a previous step returned); it is not disposed here, since a
   * rejected step keeps it.
   */
  async run(
    feeds: Record<string, HostTensor>, target: HostTensor, state: StepState, scalars: Map<string, StepScalars>, maxNorm?: number,
  ): Promise<CompiledStepResult> {
    const all: Record<string, Feed> = { ...feeds };
    all[TARGET] = target.data instanceof Int32Array ? { dims: target.dims, data: BigInt64Array.from(target.data, (v) => BigInt(v)) }
      : target.data instanceof Float64Array ? { dims: target.dims, data: Float32Array.from(target.data) } : target;
    if (this.opts.clip) all[MAX_NORM] = { dims: [], data: Float32Array.of(maxNorm ?? Infinity) };
    const extras = this.opts.extraOutputs ?? [];
    const names: string[] = [this.plan.output, LOSS, GRAD_NORM, UPDATE_CHECK, ...extras];
    for (const p of this.plan.params) {
      all[p] = state.get(p)!;
      const sc = scalars.get(p)!;
      const inp = stepInputs(p);
      all[inp.lr] = { dims: [], data: Float32Array.of(sc.lr) };
      all[inp.stepSize] = { dims: [], data: Float32Array.of(sc.stepSize) };
      all[inp.invSqrtBc2] = { dims: [], data: Float32Array.of(sc.invSqrtBc2) };
      all[inp.scale] = { dims: [], data: Float32Array.of(sc.scale) };
      names.push(newWeight(p));
      for (const s of slotNames[this.opts.optimizer]) {
        all[slotInput(p, s)] = state.get(slotInput(p, s))!;
        names.push(newSlot(p, s));
      }
    }
    const out = await this.session.runRaw(all, names);
    const next = new Map<string, OrtTensor>();
    for (const p of this.plan.params) {
      next.set(p, out[newWeight(p)]!);
      for (const s of slotNames[this.opts.optimizer]) next.set(slotInput(p, s), out[newSlot(p, s)]!);
    }
    return {
      loss: Number((out[LOSS]!.data as Float32Array)[0]),
      gradNorm: Number((out[GRAD_NORM]!.data as Float32Array)[0]),
      updateFinite: Number.isFinite(Number((out[UPDATE_CHECK]!.data as Float32Array)[0])),
      output: asFloat(fromOrt(out[this.plan.output]!), 'output'),
      batchStats: new Map(extras.map((k) => [k, asFloat(fromOrt(out[k]!), k).data])),
      next,
    };
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}
