/**
 * The fine-tuner: optimizer steps on a model's trained initializers, with the
 * forward pass on ONNX Runtime and the backward pass through the rules.
 *
 * A step is: forward + loss + backward (GradientEngine) → optional sparsity
 * penalty on CombineMaps weights → clipping by global norm → one optimizer
 * step per parameter (η per parameter where given). A step whose loss or
 * gradients are not finite, or whose update is not, is skipped and the last
 * good weights kept; after `maxBadSteps` such steps in a row training stops
 * with an error naming the first parameter that went bad.
 *
 * On WebGPU the compiled step leaves the new weights and optimizer slots in
 * GPU memory and the next step takes them from there; the host copy
 * (`weights`, `states`) is brought up to date by `sync()`, which predict(),
 * the TypeScript path, building a step for a new batch shape and dispose() do
 * themselves.
 */
import { EdgetuneError, NumericalError, UnsupportedError } from '../errors.js';
import { RuntimeError } from '../runtime/session.js';
import { TargetError } from '../grad/losses.js';
import { checkBatchLabels } from './metrics.js';
import { GradientEngine } from '../grad/engine.js';
import type { LossName } from '../grad/losses.js';
import { globMatch } from '../grad/plan.js';
import { addCombineMapsPenalty } from '../grad/sparsity.js';
import { GraphView } from '../graph/graph.js';
import type { OnnxModel } from '../model.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { countCorrect } from './metrics.js';
import { missingEmitters } from '../compile/backward-graph.js';
import { CompiledStep, disposeState, downloadTensors, stateLocation as locationOf, unpackFlat, WEIGHTS_KEY, type StepScalars } from '../compile/compiled-step.js';
import { optimizerHyper, slotNames, stepScalars, type OptimizerHyper } from '../compile/optimizer-emit.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { frozenBefore } from './freeze.js';
import { trainingModel } from '../graph/passes/training-model.js';
import { getOptimizer, type OptimizerName, type OptimizerOptions, type OptimizerState } from './optimizers/index.js';
import { learningRate, type Schedule } from './schedules.js';
import { TrainingWeights } from './training-weights.js';

export { argmaxRows, countCorrect } from './metrics.js';
export { ResidentStateError } from './training-weights.js';

export interface TunerOptions {
  loss: LossName;
  /** model output the loss reads (default: the first) */
  output?: string;
  /** names or globs to train (default: every float32 initializer on a gradient path) */
  trainable?: string[];
  /** names or globs never trained */
  frozen?: string[];
  /** train only the layers after this node (name or output value name) */
  trainAfter?: string;
  optimizer?: OptimizerName;
  lr?: number;
  /** η per parameter: glob → learning rate (first match wins), multiplying nothing: it replaces lr */
  lrPerParam?: Record<string, number>;
  schedule?: Schedule;
  weightDecay?: number;
  momentum?: number;
  nesterov?: boolean;
  /** clip gradients to this global L2 norm */
  maxGradNorm?: number;
  /**
   * report every step's gradient norm (StepInfo.gradNorm) without clipping
   * too: the compiled step then sums the squares of every gradient, and
   * plain SGD can no longer fold its update into the weight-gradient
   * products (default false)
   */
  trackGradNorm?: boolean;
  /** sparsity penalty on CombineMaps' c parameters */
  sparsity?: { kind: 'entropy' | 'paper-l1'; lambda: number };
  /** consecutive non-finite steps tolerated before training stops (default 5) */
  maxBadSteps?: number;
  providers?: string[];
  /**
   * 'compiled' (the default) runs the whole step — forward, loss, backward,
   * update — as one ONNX graph when every op on the gradient path has an
   * emitter; 'typescript' runs backward through the TypeScript rules.
   */
  backward?: 'compiled' | 'typescript';
  /**
   * BatchNormalization: 'frozen' (default) normalises with the running
   * statistics and never changes them; 'train' normalises with the batch's
   * statistics and updates the running ones (with each node's momentum) after
   * every accepted step; commit() writes them into the model.
   */
  batchNorm?: 'frozen' | 'train';
  /** one-line notices, e.g. why the compiled path is not used */
  onNotice?: (msg: string) => void;
}

export interface Batch {
  feeds: Record<string, HostTensor>;
  target: HostTensor;
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  /**
   * the gradient's global L2 norm before clipping; the compiled step
   * computes it when clipping (maxGradNorm) or with trackGradNorm, the
   * TypeScript backward always
   */
  gradNorm?: number;
  skipped: boolean;
  /** correct predictions in the batch (classification targets only) */
  correct?: number;
  size: number;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

export class Tuner {
  private readonly store: TrainingWeights;
  step = 0;
  private badRun = 0;
  private firstBad: string | undefined;
  private readonly optimizer;
  private readonly optOptions: OptimizerOptions;
  private compiledPath: boolean;
  private readonly compiled = new Map<string, Promise<CompiledStep>>();

  private constructor(readonly model: OnnxModel, readonly engine: GradientEngine, readonly options: TunerOptions, private readonly backend: Backend) {
    this.optimizer = getOptimizer(options.optimizer ?? 'adam');
    this.optOptions = {
      ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
      ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
      ...(options.nesterov !== undefined ? { nesterov: options.nesterov } : {}),
    } as OptimizerOptions;
    const states = new Map(engine.params.map((p) => [p.name, this.optimizer.init({ length: p.dims.reduce((a, b) => a * b, 1) })]));
    // the host weights are read from the model when first asked for (a first compiled step packs them at once)
    this.store = new TrainingWeights(() => engine.currentWeights(), states, engine.params.map((p) => p.name), slotNames[options.optimizer ?? 'adam']);
    this.compiledPath = this.chooseCompiled();
  }

  /**
   * The trained weights on the host. After compiled WebGPU steps the newest
   * ones are in GPU memory: reading them then throws ResidentStateError
   * until `await sync()`.
   */
  get weights(): Map<string, Float32Array> {
    return this.store.weights;
  }

  /** Replace the weights (e.g. from a checkpoint); GPU copies of them are dropped. */
  set weights(w: Map<string, Float32Array>) {
    this.store.weights = w;
  }

  /** The optimizer state on the host; like `weights`, it throws ResidentStateError while GPU memory is ahead. */
  get states(): Map<string, OptimizerState> {
    return this.store.states;
  }

  /** Replace the optimizer state (e.g. from a checkpoint); GPU copies of the slots are dropped. */
  set states(s: Map<string, OptimizerState>) {
    this.store.states = s;
  }

  /** Where the newest weights and slots are: 'gpu-buffer' after compiled WebGPU steps, 'cpu' once on the host. */
  get stateLocation(): 'gpu-buffer' | 'cpu' | 'mixed' {
    return this.store.location;
  }

  /**
   * Bring the host copy (`weights`, `states`) up to date: download what the
   * compiled WebGPU steps left in GPU memory and free those buffers (the
   * next step uploads the host copy once). Nothing to do on the CPU.
   */
  async sync(): Promise<void> {
    await this.store.sync();
  }

  private chooseCompiled(): boolean {
    if ((this.options.backward ?? 'compiled') !== 'compiled') return false;
    const missing = missingEmitters(this.engine.plan);
    if (missing.length > 0) {
      this.options.onNotice?.(`backward runs in TypeScript: no ONNX emitter for ${missing.map((m) => `${m.opType} (node ${m.node})`).join(', ')}`);
      return false;
    }
    if (this.options.sparsity && this.options.sparsity.lambda !== 0) {
      this.options.onNotice?.('backward runs in TypeScript: the sparsity penalty is applied there');
      return false;
    }
    return true;
  }

  /** Which backward path the next step takes. */
  get backwardPath(): 'compiled' | 'typescript' {
    return this.compiledPath ? 'compiled' : 'typescript';
  }

  private hyper(): OptimizerHyper {
    return optimizerHyper(this.options.optimizer ?? 'adam', this.optOptions);
  }

  private stepScalars(): Map<string, StepScalars> {
    const h = this.hyper();
    return new Map(this.params.map((p) => [p.name, stepScalars(this.options.optimizer ?? 'adam', h, this.learningRate(p.name), this.store.stepOf(p.name) + 1)]));
  }

  /**
   * The trained parameters grouped so that each group shares its step
   * scalars at every step: by base learning rate and, for Adam, by step
   * count (the counts of a group move together). The compiled step updates
   * each group with one set of scalars.
   */
  private scalarGroups(): string[][] {
    const kind = this.options.optimizer ?? 'adam';
    const counted = kind === 'adam' || kind === 'adamw';
    const groups = new Map<string, string[]>();
    for (const { name } of this.params) {
      const key = `${this.baseLearningRate(name)}|${counted ? this.store.stepOf(name) : 0}`;
      const g = groups.get(key);
      if (g) g.push(name);
      else groups.set(key, [name]);
    }
    return [...groups.values()];
  }

  private async compiledFor(batch: Batch): Promise<CompiledStep> {
    const groups = this.scalarGroups();
    const key = JSON.stringify([Object.entries(batch.feeds).map(([k, v]) => [k, v.dims]), batch.target.dims, batch.target.data.constructor.name, groups]);
    let cs = this.compiled.get(key);
    if (!cs) {
      // recording the shapes runs the forward pass on host weights
      await this.sync();
      cs = CompiledStep.create(this.engine.work, this.backend, this.engine.plan, batch.feeds, batch.target, this.store.weights, {
        loss: this.options.loss, optimizer: this.options.optimizer ?? 'adam', hyper: this.hyper(), groups,
        clip: this.options.maxGradNorm !== undefined, gradNorm: this.options.trackGradNorm ?? false, ...(this.options.providers ? { providers: this.options.providers } : {}),
        extraOutputs: this.engine.batchStatValues,
      });
      this.compiled.set(key, cs);
    }
    return cs;
  }

  private async compiledStep(batch: Batch): Promise<StepInfo> {
    let cs: CompiledStep;
    try {
      cs = await this.compiledFor(batch);
    } catch (e) {
      // An emitter that refuses a node's form (UnsupportedError) leaves the step to the rules, as a missing emitter does;
      // a GPU execution provider may lack kernels the step graph uses; on the CPU (and wasm) any other failure is a fault to report.
      const gpu = (this.options.providers ?? []).some((p) => p === 'webgpu' || p === 'webgl');
      const refused = e instanceof UnsupportedError;
      if ((!gpu && !refused) || e instanceof TargetError) throw e instanceof EdgetuneError ? e : new RuntimeError(`${this.model.file}: the compiled training step could not be built (${(e as Error).message.split('\n')[0]}); --backward typescript runs the rules instead`);
      this.compiledPath = false;
      this.options.onNotice?.(`backward runs in TypeScript: the compiled step could not be built (${(e as Error).message.split('\n')[0]})`);
      return this.trainStep(batch);
    }
    if (this.store.provider !== undefined && (cs.provider !== this.store.provider || !this.store.residentFits(cs.layout))) await this.sync();
    const names = this.params.map((p) => p.name);
    const state = this.store.stepState(cs.layout, () => cs.allocate());
    const scalars = this.stepScalars();
    const r = await cs.run(batch.feeds, batch.target, state, (p) => scalars.get(p)!, this.options.maxGradNorm);
    const n = r.output.dims[0] ?? 1;
    const info: StepInfo = { step: this.step, loss: r.loss, lr: this.learningRate(names[0] ?? ''), ...(r.gradNorm !== undefined ? { gradNorm: r.gradNorm } : {}), skipped: true, correct: countCorrect(r.output.data, n, batch.target), size: n };
    if (!Number.isFinite(r.loss)) {
      disposeState(r.next);
      cs.recycle(r.next.values());
      return this.badStep(info, names[0] ?? 'loss');
    }
    if (!r.updateFinite) {
      const data = unpackFlat(cs.layout, (await downloadTensors(r.next)).get(WEIGHTS_KEY)!);
      cs.recycle(r.next.values());
      return this.badStep(info, names.find((name) => !allFinite(data.get(name)!)) ?? names[0] ?? 'loss');
    }
    // the graph checked the update: on the GPU it stays there unread
    if (locationOf(r.next) === 'gpu-buffer') this.store.acceptResident(r.next, cs.provider, cs.layout);
    else this.store.acceptHost(await downloadTensors(r.next), cs.layout);
    // the state fed is replaced: the step may write its own vectors again
    cs.recycle(state.values());
    this.engine.updateRunningStats(r.batchStats);
    return this.accepted(info);
  }

  private accepted(info: StepInfo): StepInfo {
    this.step++;
    this.badRun = 0;
    this.firstBad = undefined;
    return { ...info, skipped: false };
  }

  static async create(model: OnnxModel, backend: Backend, options: TunerOptions): Promise<Tuner> {
    const frozen = [...(options.frozen ?? [])];
    if (options.trainAfter) frozen.push(...frozenBefore(new GraphView(trainingModel(model).model.graph, model.file), options.trainAfter));
    const engine = await GradientEngine.create(model, backend, {
      loss: options.loss,
      ...(options.output ? { output: options.output } : {}),
      ...(options.trainable ? { trainable: options.trainable } : {}),
      ...(frozen.length > 0 ? { frozen } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
      ...(options.batchNorm ? { batchNorm: options.batchNorm } : {}),
    });
    const { fixed, freed } = engine.batch;
    if (fixed !== undefined) {
      options.onNotice?.(freed
        ? `the model's batch size is fixed at ${fixed} in the file; training runs it with a free batch size (no stored shape depends on it)`
        : `the model's batch size is fixed at ${fixed} and a stored shape depends on it: training and evaluation use batches of ${fixed}`);
    }
    return new Tuner(model, engine, options, backend);
  }

  /** The batch size every step and evaluation must use, when the model fixes it; undefined when free. */
  get fixedBatch(): number | undefined {
    return this.engine.batch.freed ? undefined : this.engine.batch.fixed;
  }

  get params(): { name: string; dims: number[] }[] {
    return this.engine.params;
  }

  get inputName(): string {
    return this.model.inputs[0]?.name ?? 'input';
  }

  /** The learning rate of a parameter at the current step. */
  learningRate(param: string): number {
    return learningRate(this.baseLearningRate(param), this.options.schedule ?? { kind: 'constant' }, this.step);
  }

  /** A parameter's learning rate before the schedule: lr, or the first lrPerParam glob it matches. */
  private baseLearningRate(param: string): number {
    for (const [glob, lr] of Object.entries(this.options.lrPerParam ?? {})) {
      if (globMatch(glob, param)) return lr;
    }
    return this.options.lr ?? 1e-3;
  }

  private addSparsity(grads: Map<string, Float32Array>): number {
    const sp = this.options.sparsity;
    return sp ? addCombineMapsPenalty(this.engine.plan, this.params, this.weights, grads, sp) : 0;
  }

  /** The number of classes K of the loss output [N, ...] (the product of its other dims, as the losses read it), when the file fixes it. */
  get classes(): number | undefined {
    const dims = this.engine.work.outputs.find((o) => o.name === this.engine.plan.output)?.dims;
    if (!dims || dims.length < 2 || !dims.slice(1).every((d) => typeof d === 'number' && d > 0)) return undefined;
    return (dims.slice(1) as number[]).reduce((a, b) => a * b, 1);
  }

  /** One optimizer step on a batch. Integer labels outside the output's classes are refused on both backward paths. */
  async trainStep(batch: Batch): Promise<StepInfo> {
    const classes = this.classes;
    if (classes !== undefined) checkBatchLabels(batch.target, classes, `${this.model.file}: training batch`);
    if (this.compiledPath) return this.compiledStep(batch);
    await this.sync();
    const { loss: dataLoss, output, grads, batchStats } = await this.engine.gradients(batch.feeds, batch.target, this.weights);
    const loss = dataLoss + this.addSparsity(grads);
    const n = output.dims[0] ?? 1;
    const correct = countCorrect(output.data, n, batch.target);
    const names = this.params.map((p) => p.name);
    const badGrad = names.find((name) => !allFinite(grads.get(name)!));
    let info: StepInfo = { step: this.step, loss, lr: this.learningRate(names[0] ?? ''), gradNorm: NaN, skipped: true, correct, size: n };
    if (!Number.isFinite(loss) || badGrad !== undefined) return this.badStep(info, badGrad ?? names[0] ?? 'loss');
    const raw = names.map((k) => grads.get(k)!);
    const clip = this.options.maxGradNorm !== undefined ? clipByGlobalNorm(raw, this.options.maxGradNorm) : { grads: raw, norm: globalNorm(raw) };
    const nextW = new Map<string, Float32Array>();
    const nextS = new Map<string, OptimizerState>();
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const r = this.optimizer.step(this.weights.get(name)!, clip.grads[i]!, this.states.get(name)!, this.learningRate(name), this.optOptions);
      if (!allFinite(r.param)) return this.badStep({ ...info, gradNorm: clip.norm }, name);
      nextW.set(name, r.param);
      nextS.set(name, r.state);
    }
    this.weights = nextW;
    this.states = nextS;
    this.engine.updateRunningStats(batchStats);
    this.step++;
    this.badRun = 0;
    this.firstBad = undefined;
    info = { ...info, gradNorm: clip.norm, skipped: false };
    return info;
  }

  private badStep(info: StepInfo, param: string): StepInfo {
    this.firstBad ??= param;
    this.badRun++;
    const limit = this.options.maxBadSteps ?? 5;
    if (this.badRun >= limit) {
      throw new NumericalError(`training stopped after ${this.badRun} steps in a row with a non-finite loss or gradient (first bad parameter: '${this.firstBad}'); try a lower --lr or --max-grad-norm`);
    }
    return info;
  }

  /** Model output for a batch with the current weights (synced to the host first). */
  async predict(feeds: Record<string, HostTensor>): Promise<Float32Array> {
    await this.sync();
    return (await this.engine.predict(feeds, this.weights)).data;
  }

  /**
   * Write the current weights into the model (bringing them from GPU memory
   * first where compiled WebGPU steps left them) and record the fine-tune in
   * its metadata.
   */
  async commit(note: Record<string, unknown> = {}): Promise<OnnxModel> {
    await this.sync();
    for (const [name, w] of this.weights) this.model.write(name, w);
    for (const [name, r] of this.engine.running) this.model.write(name, r);
    const props = this.model.proto.metadata_props;
    const entry = props.find((p) => p.key === 'edgetune.finetune');
    const value = JSON.stringify({ steps: this.step, loss: this.options.loss, optimizer: this.options.optimizer ?? 'adam', params: this.params.length, ...note });
    if (entry) entry.value = value;
    else props.push({ key: 'edgetune.finetune', value });
    return this.model;
  }

  /** Free the sessions, first bringing the weights to the host so that they stay readable. */
  async dispose(): Promise<void> {
    try {
      await this.sync();
    } finally {
      this.store.release();
      for (const cs of this.compiled.values()) await (await cs.catch(() => undefined))?.dispose();
      this.compiled.clear();
      await this.engine.dispose();
    }
  }
}
