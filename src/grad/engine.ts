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
import type { OnnxModel } from '../model.js';
import { encodeModel, defaultOpset } from '../onnx/model-io.js';
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
}

export class GradientEngine {
  readonly params: Param[];
  private readonly opset: number;
  private readonly compiled = new Map<string, Promise<CompiledBackward>>();

  private constructor(
    /** the user's model (tuned values are written back into it by name) */
    readonly model: OnnxModel,
    /** the copy the backward pass works on (src/graph/passes/training-model.ts) */
    readonly work: OnnxModel,
    /** the batch dimension in the file, and whether the training copy made it symbolic */
    readonly batch: BatchInfo,
    readonly view: GraphView,
    readonly plan: BackwardPlan,
    readonly session: Session,
    readonly loss: LossName,
    private readonly constants: Map<string, HostTensor>,
    private readonly backend: Backend,
    readonly backwardPath: 'compiled' | 'typescript',
    private readonly providers: readonly string[] | undefined,
  ) {
    this.params = plan.params.map((name) => ({ name, dims: work.read(name).dims }));
    this.opset = defaultOpset(work.proto);
  }

  static async create(model: OnnxModel, backend: Backend, opts: EngineOptions): Promise<GradientEngine> {
    const prepared = trainingModel(model);
    const work = prepared.model;
    const view = new GraphView(work.graph, model.file);
    const output = opts.output ?? view.outputs[0];
    if (output === undefined) throw new InputError(`${model.file}: the model has no outputs`);
    const plan = buildPlan(view, {
      output, rules: opts.rules ?? defaultRules,
      ...(opts.trainable ? { trainable: opts.trainable } : {}),
      ...(opts.frozen ? { frozen: opts.frozen } : {}),
    });
    const trainView = trainingView(work, plan.params, plan.saved);
    const feedsSpec = work.inputs;
    const session = await Session.create(backend, encodeModel(trainView), feedsSpec, {
      label: model.file, ...(opts.providers ? { providers: opts.providers } : {}),
    });
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
    return new GradientEngine(model, work, prepared.batch, view, plan, session, opts.loss, constants, backend, path, opts.providers);
  }

  /** The current values of the trained parameters, read from the user's model (initializers or Constant nodes). */
  currentWeights(): Map<string, Float32Array> {
    return new Map(this.params.map((p) => [p.name, this.model.hasTensor(p.name) ? this.model.readFloat(p.name) : this.work.readFloat(p.name)]));
  }

  /** Run the training view: the loss output and every saved value. */
  async forward(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<ForwardResult> {
    const all = this.withWeights(feeds, weights);
    const result = await this.session.run(all, [this.plan.output, ...this.plan.saved]);
    const values = new Map<string, HostTensor>(Object.entries(result));
    for (const [k, v] of Object.entries(all)) values.set(k, v);
    for (const [k, v] of this.constants) values.set(k, v);
    return { output: asFloat(values.get(this.plan.output), `output '${this.plan.output}'`), values };
  }

  /** The model output alone for the given weights (no saved values). */
  async predict(feeds: Record<string, HostTensor>, weights: Map<string, Float32Array>): Promise<Tensor> {
    const result = await this.session.run(this.withWeights(feeds, weights), [this.plan.output]);
    return asFloat(result[this.plan.output], `output '${this.plan.output}'`);
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

  /** The batch-mean loss alone (one forward pass). */
  async lossOnly(feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>): Promise<number> {
    return computeLoss(this.loss, await this.predict(feeds, weights), target).loss;
  }

  /** Loss and ∂L/∂θ for every trained parameter θ. */
  async gradients(feeds: Record<string, HostTensor>, target: HostTensor, weights: Map<string, Float32Array>): Promise<StepGradients> {
    if (this.backwardPath === 'compiled') {
      const output = await this.predict(feeds, weights);
      const { loss, grad } = computeLoss(this.loss, output, target);
      const cb = await this.compiledFor(feeds, weights);
      return { loss, output, grads: await cb.run(feeds, weights, grad) };
    }
    const fwd = await this.forward(feeds, weights);
    const { loss, grad } = computeLoss(this.loss, fwd.output, target);
    const grads = this.backward(fwd.values, grad);
    return { loss, output: fwd.output, grads };
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
    await this.session.dispose();
  }
}
