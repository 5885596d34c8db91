/**
 * Forward on ONNX Runtime, backward through the rules: the loss and the
 * gradient of every trained parameter for one batch.
 *
 * The reverse walk visits the plan's nodes in reverse topological order,
 * sums gradients where a value feeds several nodes (residual connections),
 * and stops at values no trained parameter depends on.
 */
import { EdgetuneError, InputError, UnsupportedError } from '../errors.js';
import { missingEmitters } from '../compile/backward-graph.js';
import { CompiledBackward } from '../compile/compiled-backward.js';
import { GraphView } from '../graph/graph.js';
import { trainingModel } from '../graph/passes/training-model.js';
import type { BatchInfo } from '../graph/passes/free-batch.js';
import type { BatchStat } from '../graph/passes/batch-norm-train.js';
import type { TrainingModel } from '../graph/passes/training-model.js';
import type { OnnxModel } from '../model.js';
import { encodeForRuntime, defaultOpset } from '../onnx/model-io.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { Session } from '../runtime/session.js';
import { trainingView } from '../runtime/training-view.js';
import { addInto, sameShape, type Tensor } from '../tensor/tensor.js';
import { computeLoss, type LossName } from './losses.js';
import { buildPlan, type BackwardPlan } from './plan.js';
import { asFloat, type GradRule, type RuleContext } from './rule.js';
import { rules as defaultRules } from './rules/index.js';

export interface EngineOptions {
  loss: LossName;
  /** model output the loss reads (default: the first) */
  output?: string;
  /** initializer names or globs to train (default: the model's parameters — weights, biases, scales; src/graph/parameters.ts) */
  trainable?: readonly string[];
  /** initializer names or globs to keep fixed */
  frozen?: readonly string[];
  /** execution providers for the forward pass */
  providers?: readonly string[];
  /** rule registry (default: the built-in one) */
  rules?: Readonly<Record<string, GradRule>>;
  /** 'typescript' (default here) walks the rules; 'compiled' runs their emitted ONNX graph */
  backward?: 'compiled' | 'typescript';
  /** BatchNormalization with its running statistics ('frozen', default) or the batch's ('train') */
  batchNorm?: 'frozen' | 'train';
}

export interface Param {
  name: string;
  dims: number[];
}

export interface ForwardResult {
  output: Tensor;
  values: Map<string, HostTensor>;
}

export interface StepGradients {
  loss: number;
  output: Tensor;
  grads: Map<string, Float32Array>;
  /** with batchNorm 'train': each BatchNormalization's batch mean and variance (by value name) */
  batchStats: Map<string, Float32Array>;
}

/** A session opened now or when first asked for. */
class SessionSlot {
  private opening: Promise<Session> | undefined;

  constructor(private readonly open: () => Promise<Session>, private session: Session | undefined) {}

  get(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= this.open().then((s) => (this.session = s), (e: unknown) => {
      this.opening = undefined;
      throw e;
    });
    return this.opening;
  }

  /** The provider of the open session, or the only one it can open on ('cpu') before it is. */
  get provider(): string {
    return this.session?.provider ?? 'cpu';
  }

  async dispose(): Promise<void> {
    const s = this.session ?? (await this.opening?.catch(() => undefined));
    this.session = undefined;
    this.opening = undefined;
    await s?.dispose();
  }
}

export class GradientEngine {
  readonly params: Param[];
  private readonly opset: number;
  private readonly compiled = new Map<string, Promise<CompiledBackward>>();

  private constructor(
    /** the user's model (tuned values are written back into it by name) */
    readonly model: OnnxModel,
    /** the copy the backward pass works on, with what the training passes did (src/graph/passes/training-model.ts) */
    private readonly prepared: TrainingModel,
    readonly view: GraphView,
    readonly plan: BackwardPlan,
    private readonly openSession: SessionSlot,
    readonly loss: LossName,
    private readonly constants: Map<string, HostTensor>,
    private readonly backend: Backend,
    readonly backwardPath: 'compiled' | 'typescript',
    private readonly providers: readonly string[] | undefined,
    /** with batchNorm 'train': the model with BatchNormalization in inference form, for predictions */
    private readonly inference: Session | undefined,
  ) {
    this.params = plan.params.map((name) => ({ name, dims: prepared.model.read(name).dims }));
    this.opset = defaultOpset(prepared.model.proto);
    for (const s of prepared.batchStats) {
      this.running.set(s.runningMean, Float32Array.from(prepared.model.readFloat(s.runningMean)));
      this.running.set(s.runningVar, Float32Array.from(prepared.model.readFloat(s.runningVar)));
    }
  }

  /** The execution provider the training forward pass runs on. */
  get provider(): string {
    return this.openSession.provider;
  }

  /** BatchNormalization running statistics (batchNorm 'train'), updated by `updateRunningStats` after accepted steps. */
  readonly running = new Map<string, Float32Array>();

  get work(): OnnxModel {
    return this.prepared.model;
  }

  /** The batch dimension in the file, and whether the training copy made it symbolic. */
  get batch(): BatchInfo {
    return this.prepared.batch;
  }

  /** BatchNormalization nodes normalising with batch statistics (batchNorm 'train'). */
  get batchNorms(): readonly BatchStat[] {
    return this.prepared.batchStats;
  }

  /** Values holding the batch statistics, fetched with every training forward pass. */
  get batchStatValues(): string[] {
    return this.prepared.batchStats.flatMap((s) => [s.batchMean, s.batchVar]);
  }

  /** running ← running·m + batch·(1 − m) for every BatchNormalization (ONNX's momentum m). */
  updateRunningStats(batch: Map<string, Float32Array>): void {
    for (const s of this.prepared.batchStats) {
      for (const [run, cur] of [[s.runningMean, s.batchMean], [s.runningVar, s.batchVar]] as const) {
        const r = this.running.get(run)!;
        const b = batch.get(cur);
        if (!b || b.length !== r.length) throw new InputError(`node '${s.node}' (BatchNormalization): no batch statistics for '${run}'`);
        for (let i = 0; i < r.length; i++) r[i] = r[i]! * s.momentum + b[i]! * (1 - s.momentum);
      }
    }
  }

  static async create(model: OnnxModel, backend: Backend, opts: EngineOptions): Promise<GradientEngine> {
    const prepared = trainingModel(model, { batchNorm: opts.batchNorm ?? 'frozen' });
    const work = prepared.model;
    const view = new GraphView(work.graph, model.file);
    const output = opts.output ?? view.outputs[0];
    if (output === undefined) throw new InputError(`${model.file}: the model has no outputs`);
    const plan = buildPlan(view, {
      output, rules: opts.rules ?? defaultRules,
      extraParams: prepared.batchStats.flatMap((s) => [s.scale, s.bias]),
      ...(opts.trainable ? { trainable: opts.trainable } : {}),
      ...(opts.frozen ? { frozen: opts.frozen } : {}),
    });
    const statValues = prepared.batchStats.flatMap((s) => [s.batchMean, s.batchVar]);
    const feedsSpec = work.inputs;
    const open = () => Session.create(backend, encodeForRuntime(trainingView(work, plan.params, [...plan.saved, ...statValues])), feedsSpec, {
      label: model.file, ...(opts.providers ? { providers: opts.providers } : {}),
    });
    // on onnxruntime-node's CPU provider the session opens when first run: a compiled step never needs it, and
    // it would hold ONNX Runtime's copy of every frozen weight; GPU providers open it now, to settle which one runs
    const lazy = (opts.providers ?? backend.defaultProviders).every((p) => p === 'cpu');
    const session = new SessionSlot(open, lazy ? undefined : await open());
    const trained = new Set(plan.params);
    const constants = new Map<string, HostTensor>();
    for (const s of plan.steps) {
      for (const v of s.node.inputs) {
        if (v && view.initializers.has(v) && !trained.has(v) && !constants.has(v)) {
          const t = work.read(v);
          constants.set(v, { dims: t.dims, data: t.data });
        }
      }
    }
    const path = opts.backward ?? 'typescript';
    if (path === 'compiled') {
      const missing = missingEmitters(plan);
      if (missing.length > 0) throw new UnsupportedError(`compiled backward: no ONNX emitter for ${missing.map((m) => `${m.opType} (node ${m.node})`).join(', ')}`);
    }
    let inference: Session | undefined;
    if (prepared.batchStats.length > 0) {
      const frozen = trainingModel(model).model;
      const running = prepared.batchStats.flatMap((s) => [s.runningMean, s.runningVar]);
      inference = await Session.create(backend, encodeForRuntime(trainingView(frozen, [...plan.params, ...running], [])), frozen.inputs, {
        label: model.file, ...(opts.providers ? { providers: opts.providers } : {}),
      });
    }
    return new GradientEngine(model, prepared, view, plan, session, opts.loss, constants, backend, path, opts.providers, inference);
  }

  /** The current values of the trained parameters, read from the user's model (initializers or Constant nodes). */
  currentWeights(): Map<string, Float32Array> {
    return new Map(this.params.map((p) => [p.name, this.model.hasTensor(p.name) ? this.model.readFloat(p.name) : this.work.readFloat(p.name)]));
  }

  /** Run the training view: the loss output and every saved value. */
  async forward(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<ForwardResult> {
    const all = this.withWeights(feeds, weights);
    const result = await (await this.openSession.get()).run(all, [this.plan.output, ...this.plan.saved, ...this.batchStatValues]);
    const values = new Map<string, HostTensor>(Object.entries(result));
    for (const [k, v] of Object.entries(all)) values.set(k, v);
    for (const [k, v] of this.constants) values.set(k, v);
    return { output: asFloat(values.get(this.plan.output), `output '${this.plan.output}'`), values };
  }

  /**
   * The model output for the given weights, as inference computes it
   * (BatchNormalization with the running statistics also under batchNorm 'train').
   */
  async predict(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<Tensor> {
    if (!this.inference) return (await this.trainingOutput(feeds, weights)).output;
    const all = this.withWeights(feeds, weights);
    for (const [k, v] of this.running) all[k] = { dims: [v.length], data: v };
    const result = await this.inference.run(all, [this.plan.output]);
    return asFloat(result[this.plan.output], `output '${this.plan.output}'`);
  }

  /** The output of the training forward pass and the batch statistics (no other saved values). */
  private async trainingOutput(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<{ output: Tensor; batchStats: Map<string, Float32Array> }> {
    const result = await (await this.openSession.get()).run(this.withWeights(feeds, weights), [this.plan.output, ...this.batchStatValues]);
    return { output: asFloat(result[this.plan.output], `output '${this.plan.output}'`), batchStats: this.statsOf(result) };
  }

  private statsOf(values: Record<string, HostTensor | undefined> | Map<string, HostTensor>): Map<string, Float32Array> {
    const get = (k: string) => (values instanceof Map ? values.get(k) : values[k]);
    return new Map(this.batchStatValues.map((k) => [k, asFloat(get(k), `batch statistic '${k}'`).data]));
  }

  private withWeights(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Record<string, HostTensor> {
    const all: Record<string, HostTensor> = { ...feeds };
    for (const p of this.params) {
      const w = weights.get(p.name);
      if (!w) throw new InputError(`no value given for parameter '${p.name}'`);
      all[p.name] = { dims: p.dims, data: w };
    }
    return all;
  }

  /** The batch-mean training loss alone (one forward pass). */
  async lossOnly(feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>): Promise<number> {
    return computeLoss(this.loss, (await this.trainingOutput(feeds, weights)).output, target).loss;
  }

  /** Loss and ∂L/∂θ for every trained parameter θ. */
  async gradients(feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>): Promise<StepGradients> {
    if (this.backwardPath === 'compiled') {
      const { output, batchStats } = await this.trainingOutput(feeds, weights);
      const { loss, grad } = computeLoss(this.loss, output, target);
      const cb = await this.compiledFor(feeds, weights);
      return { loss, output, grads: await cb.run(feeds, weights, grad), batchStats };
    }
    const fwd = await this.forward(feeds, weights);
    const { loss, grad } = computeLoss(this.loss, fwd.output, target);
    const grads = this.backward(fwd.values, grad);
    return { loss, output: fwd.output, grads, batchStats: this.statsOf(fwd.values) };
  }

  private compiledFor(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<CompiledBackward> {
    const key = JSON.stringify(Object.entries(feeds).map(([k, v]) => [k, v.dims]));
    let cb = this.compiled.get(key);
    if (!cb) {
      cb = CompiledBackward.create(this.work, this.backend, this.plan, feeds, weights, this.providers);
      this.compiled.set(key, cb);
    }
    return cb;
  }

  /** The reverse walk from ∂L/∂output to every trained parameter. */
  backward(values: Map<string, HostTensor>, gradOutput: Tensor): Map<string, Float32Array> {
    const g = new Map<string, Tensor>([[this.plan.output, gradOutput]]);
    const accumulate = (name: string, t: Tensor) => {
      const prev = g.get(name);
      if (prev) addInto(prev, t);
      else g.set(name, { dims: t.dims, data: t.data.slice() });
    };
    for (let s = this.plan.steps.length - 1; s >= 0; s--) {
      const { node, rule, needs } = this.plan.steps[s]!;
      const gradOutputs = node.outputs.map((o) => g.get(o));
      if (gradOutputs.every((x) => x === undefined)) continue;
      const ctx: RuleContext = {
        node, needs, gradOutputs, opset: this.opset,
        inputs: node.inputs.map((v) => (v ? values.get(v) : undefined)),
        outputs: node.outputs.map((v) => (v ? values.get(v) : undefined)),
      };
      let result: (Tensor | undefined)[];
      try {
        result = rule.vjp(ctx);
      } catch (e) {
        if (e instanceof EdgetuneError) throw e;
        throw new InputError(`node '${node.name}' (${node.opType}): backward failed (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
      }
      node.inputs.forEach((v, k) => {
        if (!needs[k]) return;
        const t = result[k];
        if (!t) throw new InputError(`rule for ${node.opType} (node '${node.name}') gave no gradient for input ${k}`);
        const value = values.get(v);
        if (value && !sameShape(value.dims, t.dims)) {
          throw new InputError(`rule for ${node.opType} (node '${node.name}') gave a gradient of shape [${t.dims.join(',')}] for input '${v}' of shape [${value.dims.join(',')}]`);
        }
        accumulate(v, t);
      });
      for (const o of node.outputs) if (o !== this.plan.output) g.delete(o);
    }
    const out = new Map<string, Float32Array>();
    for (const p of this.params) out.set(p.name, g.get(p.name)?.data ?? new Float32Array(p.dims.reduce((a, b) => a * b, 1)));
    return out;
  }

  async dispose(): Promise<void> {
    for (const cb of this.compiled.values()) await (await cb.catch(() => undefined))?.dispose();
    this.compiled.clear();
    await this.openSession.dispose();
    await this.inference?.dispose();
  }
}
