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
import type { NodeProto } from '../onnx/types.js';
import { encodeForRuntime } from '../onnx/model-io.js';
import type { Backend, OrtTensor } from '../runtime/backend.js';
import { fromOrt, type Feed, type HostTensor } from '../runtime/host-tensor.js';
import { GPU_PROVIDERS } from '../runtime/lower.js';
import { RuntimeError, Session } from '../runtime/session.js';
import { nchwcBlockSize } from '../runtime/nchwc-block.js';
import { asFloat } from '../grad/rule.js';
import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerName } from '../train/optimizers/index.js';
import { slotNames, type OptimizerHyper, type StepScalars } from './optimizer-emit.js';
import { recordShapePass } from './shapes.js';
import { DataType } from '../onnx/dtypes.js';
import {
  compileStep, flatLayout, GRAD_NORM, LOSS, NEW_WEIGHTS, newSlot, SCALARS, scalarCount, scalarVector, slotInput, TARGET, UPDATE_CHECK, WEIGHTS,
  type FlatLayout, type StepIo,
} from './step-graph.js';
import { newParam, newParamSlot, paramSlotInput } from './split-update.js';

export type { StepScalars } from './optimizer-emit.js';

/** The most operands of a Concat or Split in a step built for a GPU provider (WebGPU gives wrong results from 8 storage buffers per shader on some adapters). */
export const GPU_MAX_OPERANDS = 6;
export type { FlatLayout } from './step-graph.js';

/**
 * The step's state keyed by the step's input names: the flat weights
 * (`edgetune.weights`) and each flat optimizer slot (`edgetune.slot::<slot>`),
 * all in the step's FlatLayout.
 */
export type StepState = Map<string, Feed>;

/** The state keys of the flat weights and of each optimizer slot. */
export const WEIGHTS_KEY = WEIGHTS;
export const slotKey = slotInput;

export interface CompiledStepResult {
  loss: number;
  /** the gradient's global norm before clipping: when clipping, or with CompiledStepOptions.gradNorm */
  gradNorm: number | undefined;
  /** every new weight is finite (checked inside the graph, so GPU-resident weights need no download) */
  updateFinite: boolean;
  output: Tensor;
  /** the forward values asked for with `extraOutputs` (BatchNormalization's batch statistics) */
  batchStats: Map<string, Float32Array>;
  /** the updated flat weights and slots, keyed for the next step; in GPU buffers on webgpu */
  next: Map<string, OrtTensor>;
}

/**
 * Multiply-adds ×2 of a step's Conv, ConvTranspose, Gemm and MatMul nodes:
 * the forward pass, plus the input and weight gradients the plan asks for.
 */
export function stepFlops(plan: BackwardPlan, shapes: Map<string, readonly number[]>): number {
  const size = (v: string | undefined) => (shapes.get(v ?? '') ?? []).reduce((a, b) => a * b, 1);
  let flops = 0;
  for (const s of plan.steps) {
    const n = s.node;
    const w = shapes.get(n.inputs[1] ?? '') ?? [];
    let f = 0;
    if (n.opType === 'Conv') f = 2 * size(n.outputs[0]) * w.slice(1).reduce((a, b) => a * b, 1);
    else if (n.opType === 'ConvTranspose') f = 2 * size(n.inputs[0]) * w.slice(1).reduce((a, b) => a * b, 1);
    else if (n.opType === 'Gemm' || n.opType === 'MatMul') {
      const a = shapes.get(n.inputs[0] ?? '') ?? [];
      const inner = n.opType === 'Gemm' && n.attrs.int('transA', 0) === 1 ? a[a.length - 2] : a[a.length - 1];
      f = 2 * size(n.outputs[0]) * (inner ?? 1);
    }
    flops += f * (1 + (s.needs[0] ? 1 : 0) + (s.needs[1] ? 1 : 0));
  }
  return flops;
}

/**
 * Below this many FLOPs a step runs on one thread: its ops are too small to
 * split and the pool's hand-offs cost what they save (LeNet-5 at batch 1 is
 * 5% faster on one thread than on two on a quiet 2-core machine, equal at
 * batches 2 and 4, slower from 8; bench/profile-ab.ts), and a core is left
 * free. On a busy machine the single thread is much the faster.
 */
export const SMALL_STEP_FLOPS = 4e6;

/** Forward ops that stepFlops counts; one of them outside the plan (a frozen backbone) is work it does not see. */
const COUNTED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

/**
 * The intra-op thread count for a step on the CPU: 1 for a small step, else
 * the session's own (undefined: the backend's intraOpNumThreads, or ONNX
 * Runtime's default). A thread count the caller set is the most a step
 * uses, as a small step is slower on more. A step whose forward pass runs
 * convolutions or matrix products off the plan (frozen layers before the
 * trained ones) keeps the session's threads: stepFlops counts only the plan.
 */
export function stepThreads(plan: BackwardPlan, shapes: Map<string, readonly number[]>, forward: readonly NodeProto[] = []): number | undefined {
  const planned = new Set(plan.steps.map((s) => s.node.outputs[0]));
  if (forward.some((n) => COUNTED_OPS.has(n.op_type ?? '') && (n.domain ?? '') === '' && !planned.has(n.output[0]))) return undefined;
  return stepFlops(plan, shapes) < SMALL_STEP_FLOPS ? 1 : undefined;
}

/**
 * From this many trained values on, a step on onnxruntime-node's CPU provider
 * takes and returns each parameter on its own ('split'), bound to views of the
 * host's flat vectors: no whole-vector copies in the step, and its results
 * written into vectors the step reuses (onnxruntime-node still hands back a
 * copy of every output, which is dropped unread). Below it the flat update's
 * few nodes cost less than the per-parameter ones (LeNet-5 has 61,706 values
 * in 10 parameters).
 */
export const SPLIT_IO_VALUES = 1 << 18;

/** How a step on `providers` with `layout` takes its state: 'split' on onnxruntime-node's CPU provider for large models, else 'flat'. */
export function stepIo(providers: readonly string[], layout: FlatLayout): StepIo {
  return providers.every((p) => p === 'cpu') && layout.used >= SPLIT_IO_VALUES ? 'split' : 'flat';
}

/**
 * Memory options of a step session on onnxruntime-node's CPU provider. With
 * a memory pattern ONNX Runtime allocates one block for a run's planned peak
 * from its arena, which grows by powers of two: on ResNet-18 (batch 32,
 * 64×64) the process's peak RSS is about 120 MB lower without it, at the
 * same step time (measured with bench/memory-child.ts and
 * bench/profile-step.ts).
 */
export const CPU_STEP_MEMORY = { enableMemPattern: false } as const;

/**
 * Values of returned state (weights and optimizer slots) from which a step
 * session on onnxruntime-node's CPU provider has its intra-op threads stop
 * spinning at the end of each run. The binding copies every output into a
 * new array on the main thread once the run is over; threads still spinning
 * then take a core from that copy and the collections it sets off. Measured
 * at two threads over alternating pairs of processes, each timing
 * back-to-back steps: ResNet-18 (11.7M values, 45 MB, batch 32) 2–7% faster
 * per step in four of four pairs, its time beyond ONNX Runtime's run
 * (bench/profile-step.ts --profile) down from 12–14 ms to about 8;
 * MobileNetV2 (3.5M values) 0–7% slower (about 2% in most pairs) and LeNet-5
 * about 2% slower, as the threads then wake at the start of the next run.
 */
export const STOP_SPINNING_VALUES = 1 << 23;

/** ONNX Runtime options of a step session on the CPU provider returning `stateValues` values of state per run. */
export function cpuStepOptions(stateValues: number): Record<string, unknown> {
  return { ...CPU_STEP_MEMORY, ...(stateValues >= STOP_SPINNING_VALUES ? { extra: { session: { force_spinning_stop: '1' } } } : {}) };
}

/** Each parameter's values in a flat vector of `layout`, as views (no copy). */
export function unpackFlat(layout: FlatLayout, flat: Float32Array): Map<string, Float32Array> {
  return new Map(layout.params.map((p, i) => [p, flat.subarray(layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!)]));
}

/**
 * The flat vector of `layout` holding each parameter's values from `parts`:
 * when they already are the views unpackFlat gave of one vector, that vector
 * itself; else a new vector they are copied into (from `alloc`, zeroed).
 */
export function packFlat(layout: FlatLayout, parts: (p: string) => Float32Array, alloc: (n: number) => Float32Array = (n) => new Float32Array(n)): Float32Array {
  const first = parts(layout.params[0]!);
  const start = first.byteOffset;
  const views = start + layout.total * 4 <= first.buffer.byteLength && layout.params.every((p, i) => {
    const a = parts(p);
    return a.buffer === first.buffer && a.byteOffset === start + layout.offsets[i]! * 4 && a.length === layout.sizes[i]!;
  });
  if (views) return new Float32Array(first.buffer, start, layout.total);
  // the tail past the parameters stays zero
  const out = alloc(layout.total);
  layout.params.forEach((p, i) => out.set(parts(p), layout.offsets[i]!));
  return out;
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
  /** the trained parameters in groups that share their step scalars (default: one group) */
  groups?: readonly (readonly string[])[];
  /** the most operands of a Concat or Split (default: unlimited on the CPU, GPU_MAX_OPERANDS on GPU providers) */
  maxOperands?: number;
  providers?: readonly string[];
  /** forward values the step also returns (on the host) */
  extraOutputs?: readonly string[];
  /** how the state enters and leaves the step (default: stepIo's choice; 'split' needs onnxruntime-node's CPU provider) */
  io?: StepIo;
  /**
   * compute the gradient's global norm without clipping too (default false:
   * without it, plain SGD multiplies its rate into the products that make the
   * weight gradients, split-update.ts)
   */
  gradNorm?: boolean;
  /** run convolutions (depthwise layers, dense forward passes and unit-stride input gradients) on ONNX Runtime's NCHWc kernels where the provider has them (default true; emit-nchwc.ts) */
  nchwc?: boolean;
}

export class CompiledStep {
  /** flat host vectors this step allocated for its results and may write again once they are no longer the state */
  private readonly owned = new WeakSet<Float32Array>();
  private readonly spare: Float32Array[] = [];

  private constructor(
    private readonly session: Session,
    private readonly plan: BackwardPlan,
    /** where each parameter lies in the flat weights and slots */
    readonly layout: FlatLayout,
    private readonly opts: CompiledStepOptions,
    readonly io: StepIo,
  ) {}

  get provider(): string {
    return this.session.provider;
  }

  static async create(
    model: OnnxModel, backend: Backend, plan: BackwardPlan, feeds: Record<string, HostTensor>, target: HostTensor,
    weights: Map<string, Float32Array>, opts: CompiledStepOptions,
  ): Promise<CompiledStep> {
    const { shapes, values } = await recordShapePass(model, backend, plan, feeds, weights, opts.providers);
    const labels = target.data instanceof BigInt64Array || target.data instanceof Int32Array;
    const layout = flatLayout(opts.groups ?? [plan.params], (p) => shapes.get(p)!);
    // GPU providers bind each operand of a Concat or Split as a storage buffer; WebGPU on software renderers allows 8 per shader
    const gpu = (opts.providers ?? backend.defaultProviders).some((p) => GPU_PROVIDERS.includes(p));
    const maxOperands = opts.maxOperands ?? (gpu ? GPU_MAX_OPERANDS : undefined);
    const providers = opts.providers ?? backend.defaultProviders;
    const io = opts.io ?? stepIo(providers, layout);
    const nchwcBlock = providers.length === 1 && opts.nchwc !== false ? await nchwcBlockSize(backend, providers[0]!) : undefined;
    const proto = compileStep(model, plan, shapes, {
      loss: opts.loss, optimizer: opts.optimizer, hyper: opts.hyper, labels, clip: opts.clip, gradNorm: opts.gradNorm ?? false, layout, io, gpu,
      ...(maxOperands !== undefined ? { maxOperands } : {}), ...(nchwcBlock !== undefined ? { nchwcBlock } : {}),
      target: { dims: target.dims, elemType: labels ? DataType.INT64 : DataType.FLOAT },
      extraOutputs: opts.extraOutputs ?? [], recorded: values,
    });
    const stateOutputs = [NEW_WEIGHTS, ...slotNames[opts.optimizer].map((s) => newSlot(s))];
    const cpu = providers.every((p) => p === 'cpu');
    const threads = cpu ? stepThreads(plan, shapes, model.graph.node) : undefined;
    const session = await Session.create(backend, encodeForRuntime(proto), [], {
      label: `${model.file} (compiled training step)`, gpuOutputs: stateOutputs, ...(opts.providers ? { providers: opts.providers } : {}),
      ortOptions: { ...(threads !== undefined ? { intraOpNumThreads: threads } : {}), ...(cpu ? cpuStepOptions(layout.used * stateOutputs.length) : {}) },
    });
    return new CompiledStep(session, plan, layout, opts, io);
  }

  /** The state keys this step reads and returns: the flat weights, then each slot. */
  get stateKeys(): string[] {
    return [WEIGHTS, ...slotNames[this.opts.optimizer].map((s) => slotInput(s))];
  }

  /**
   * One training step. `state` holds the flat weights and slots (host
   * arrays, or the tensors a previous step returned); it is not disposed
   * here, since a rejected step keeps it. `scalars` gives each parameter's
   * step scalars; the parameters of a group must agree on them.
   */
  async run(
    feeds: Record<string, HostTensor>, target: HostTensor, state: StepState, scalars: (param: string) => StepScalars, maxNorm?: number,
  ): Promise<CompiledStepResult> {
    const all: Record<string, Feed> = { ...feeds };
    all[TARGET] = target.data instanceof Int32Array ? { dims: target.dims, data: BigInt64Array.from(target.data, (v) => BigInt(v)) }
      : target.data instanceof Float64Array ? { dims: target.dims, data: Float32Array.from(target.data) } : target;
    const { optimizer, clip } = this.opts;
    const n = scalarCount(this.layout, optimizer, clip);
    if (n > 0) all[SCALARS] = { dims: [n], data: scalarVector(this.layout, optimizer, clip, scalars, maxNorm ?? Infinity) };
    const extras = this.opts.extraOutputs ?? [];
    const norm = clip || this.opts.gradNorm === true;
    const names: string[] = [this.plan.output, LOSS, ...(norm ? [GRAD_NORM] : []), UPDATE_CHECK, ...extras];
    let out: Record<string, OrtTensor>;
    let next: Map<string, OrtTensor>;
    if (this.io === 'split') {
      ({ out, next } = await this.runSplit(all, names, state));
    } else {
      names.push(NEW_WEIGHTS);
      all[WEIGHTS] = state.get(WEIGHTS)!;
      for (const s of slotNames[optimizer]) {
        all[slotInput(s)] = state.get(slotInput(s))!;
        names.push(newSlot(s));
      }
      out = await this.session.runRaw(all, names);
      next = new Map<string, OrtTensor>([[WEIGHTS, out[NEW_WEIGHTS]!]]);
      for (const s of slotNames[optimizer]) next.set(slotInput(s), out[newSlot(s)]!);
    }
    return {
      loss: Number((out[LOSS]!.data as Float32Array)[0]),
      gradNorm: norm ? Number((out[GRAD_NORM]!.data as Float32Array)[0]) : undefined,
      updateFinite: Number.isFinite(Number((out[UPDATE_CHECK]!.data as Float32Array)[0])),
      output: asFloat(fromOrt(out[this.plan.output]!), 'output'),
      batchStats: new Map(extras.map((k) => [k, asFloat(fromOrt(out[k]!), k).data])),
      next,
    };
  }

  /**
   * A 'split' step: each parameter (and slot) fed as a view of the state's
   * flat host vector, each new value written into a view of a flat vector of
   * the step's own (a spare one when `recycle` returned any).
   */
  private async runSplit(all: Record<string, Feed>, names: string[], state: StepState): Promise<{ out: Record<string, OrtTensor>; next: Map<string, OrtTensor> }> {
    const { layout } = this;
    const keys = this.stateKeys;
    const into: Record<string, Feed> = {};
    const fresh = new Map<string, Float32Array>();
    for (const key of keys) {
      const src = state.get(key)!;
      if (!(src.data instanceof Float32Array)) throw new RuntimeError(`compiled step: state '${key}' is not a host float32 vector`);
      const fed = new Set([...state.values()].map((t) => t.data));
      let dst = this.spare.pop();
      if (dst === undefined || fed.has(dst)) dst = this.allocate();
      fresh.set(key, dst);
      const slot = key === WEIGHTS ? undefined : key.slice(slotInput('').length);
      layout.params.forEach((p, i) => {
        const [begin, end] = [layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!];
        // the weights in their own dims (the forward pass reads them), the slots and every new value as one axis
        all[slot === undefined ? p : paramSlotInput(slot, p)] = { dims: slot === undefined ? layout.dims[i]! : [layout.sizes[i]!], data: (src.data as Float32Array).subarray(begin, end) };
        const output = slot === undefined ? newParam(p) : newParamSlot(slot, p);
        into[output] = { dims: [layout.sizes[i]!], data: dst.subarray(begin, end) };
        names.push(output);
      });
    }
    const out = await this.session.runRaw(all, names, into);
    const next = new Map<string, OrtTensor>([...fresh].map(([k, v]) => [k, this.session.tensor({ dims: [layout.total], data: v })]));
    return { out, next };
  }

  /**
   * A zeroed flat vector of the layout's length, owned by this step: state
   * packed into it is written again by later steps once `recycle` hands it
   * back (with 'flat' I/O a plain new vector).
   */
  allocate(): Float32Array {
    if (this.io !== 'split') return new Float32Array(this.layout.total);
    const v = new Float32Array(this.layout.total);
    this.owned.add(v);
    return v;
  }

  /**
   * Hand back state this step's results replaced (the state it was fed once
   * the new state is accepted, or results that were rejected): the flat
   * vectors it allocated itself are written again by later steps. Others
   * (the caller's) are left alone.
   */
  recycle(state: Iterable<Feed | OrtTensor>): void {
    // only a 'split' step writes into vectors of its own; GPU tensors (flat steps on WebGPU) may be disposed already
    if (this.io !== 'split') return;
    for (const t of state) {
      if ('location' in t && t.location !== 'cpu') continue;
      const data = t.data;
      if (data instanceof Float32Array && this.owned.has(data) && !this.spare.includes(data)) this.spare.push(data);
    }
  }

  async dispose(): Promise<void> {
    this.spare.length = 0;
    await this.session.dispose();
  }
}
