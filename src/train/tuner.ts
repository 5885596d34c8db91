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
 */
import { NumericalError } from '../errors.js';
import { GradientEngine } from '../grad/engine.js';
import type { LossName } from '../grad/losses.js';
import { globMatch } from '../grad/plan.js';
import { entropyPenalty, paperL1Penalty } from '../grad/sparsity.js';
import { GraphView } from '../graph/graph.js';
import type { OnnxModel } from '../model.js';
import type { Backend } from '../runtime/backend.js';
import type { HostTensor } from '../runtime/host-tensor.js';
import { missingEmitters } from '../compile/backward-graph.js';
import { CompiledStep, type StepScalars } from '../compile/compiled-step.js';
import type { OptimizerHyper } from '../compile/optimizer-emit.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { frozenBefore } from './freeze.js';
import { getOptimizer, type OptimizerName, type OptimizerOptions, type OptimizerState } from './optimizers/index.js';
import { learningRate, type Schedule } from './schedules.js';

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
  gradNorm: number;
  skipped: boolean;
  /** correct predictions in the batch (classification targets only) */
  correct?: number;
  size: number;
}

/** Index of the largest value in each row of y viewed as [N, K]. */
export function argmaxRows(y: Float32Array, n: number): Int32Array {
  const k = y.length / n;
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (y[r * k + c]! > y[r * k + best]!) best = c;
    out[r] = best;
  }
  return out;
}

/** Correct predictions against int labels or against the argmax of float targets. */
export function countCorrect(y: Float32Array, n: number, target: HostTensor): number {
  const pred = argmaxRows(y, n);
  const t = target.data;
  let correct = 0;
  if (t instanceof BigInt64Array || t instanceof Int32Array) {
    for (let i = 0; i < n; i++) if (pred[i] === Number(t[i])) correct++;
  } else {
    const tl = argmaxRows(t as Float32Array, n);
    for (let i = 0; i < n; i++) if (pred[i] === tl[i]) correct++;
  }
  return correct;
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

export class Tuner {
  weights: Map<string, Float32Array>;
  states: Map<string, OptimizerState>;
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
    this.weights = engine.currentWeights();
    this.states = new Map(engine.params.map((p) => [p.name, this.optimizer.init(this.weights.get(p.name)!)]));
    this.compiledPath = this.chooseCompiled();
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
    const o = this.optOptions as OptimizerOptions & { beta1?: number; beta2?: number; eps?: number };
    const kind = this.options.optimizer ?? 'adam';
    return {
      weightDecay: o.weightDecay ?? (kind === 'adamw' ? 0.01 : 0), momentum: o.momentum ?? 0.9, nesterov: o.nesterov ?? false,
      beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8,
    };
  }

  private stepScalars(): Map<string, StepScalars> {
    const h = this.hyper();
    const kind = this.options.optimizer ?? 'adam';
    return new Map(this.params.map((p) => {
      const lr = this.learningRate(p.name);
      const t = this.states.get(p.name)!.step + 1;
      const bc1 = 1 - h.beta1 ** t, bc2 = 1 - h.beta2 ** t;
      return [p.name, { lr, stepSize: lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2), scale: kind === 'adamw' ? 1 - lr * h.weightDecay : 1 }];
    }));
  }

  private compiledFor(batch: Batch): Promise<CompiledStep> {
    const key = JSON.stringify([Object.entries(batch.feeds).map(([k, v]) => [k, v.dims]), batch.target.dims, batch.target.data.constructor.name]);
    let cs = this.compiled.get(key);
    if (!cs) {
      cs = CompiledStep.create(this.model, this.backend, this.engine.plan, batch.feeds, batch.target, this.weights, {
        loss: this.options.loss, optimizer: this.options.optimizer ?? 'adam', hyper: this.hyper(),
        clip: this.options.maxGradNorm !== undefined, ...(this.options.providers ? { providers: this.options.providers } : {}),
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
      this.compiledPath = false;
      this.options.onNotice?.(`backward runs in TypeScript: the compiled step could not be built (${(e as Error).message.split('\n')[0]})`);
      return this.trainStep(batch);
    }
    const names = this.params.map((p) => p.name);
    const slots = new Map(names.map((n) => [n, this.states.get(n)!.slots]));
    const r = await cs.run(batch.feeds, batch.target, this.weights, slots, this.stepScalars(), this.options.maxGradNorm);
    const n = r.output.dims[0] ?? 1;
    const info: StepInfo = { step: this.step, loss: r.loss, lr: this.learningRate(names[0] ?? ''), gradNorm: r.gradNorm, skipped: true, correct: countCorrect(r.output.data, n, batch.target), size: n };
    if (!Number.isFinite(r.loss)) return this.badStep(info, names[0] ?? 'loss');
    const bad = names.find((name) => !allFinite(r.weights.get(name)!));
    if (bad !== undefined) return this.badStep(info, bad);
    this.weights = r.weights;
    this.states = new Map(names.map((name) => [name, { step: this.states.get(name)!.step + 1, slots: r.slots.get(name)! }]));
    this.step++;
    this.badRun = 0;
    this.firstBad = undefined;
    return { ...info, skipped: false };
  }

  static async create(model: OnnxModel, backend: Backend, options: TunerOptions): Promise<Tuner> {
    const frozen = [...(options.frozen ?? [])];
    if (options.trainAfter) frozen.push(...frozenBefore(new GraphView(model.graph, model.file), options.trainAfter));
    const engine = await GradientEngine.create(model, backend, {
      loss: options.loss,
      ...(options.output ? { output: options.output } : {}),
      ...(options.trainable ? { trainable: options.trainable } : {}),
      ...(frozen.length > 0 ? { frozen } : {}),
      ...(options.providers ? { providers: options.providers } : {}),
    });
    return new Tuner(model, engine, options, backend);
  }

  get params(): { name: string; dims: number[] }[] {
    return this.engine.params;
  }

  get inputName(): string {
    return this.model.inputs[0]?.name ?? 'input';
  }

  /** The learning rate of a parameter at the current step. */
  learningRate(param: string): number {
    let base = this.options.lr ?? 1e-3;
    for (const [glob, lr] of Object.entries(this.options.lrPerParam ?? {})) {
      if (globMatch(glob, param)) { base = lr; break; }
    }
    return learningRate(base, this.options.schedule ?? { kind: 'constant' }, this.step);
  }

  private addSparsity(grads: Map<string, Float32Array>): number {
    const sp = this.options.sparsity;
    if (!sp || sp.lambda === 0) return 0;
    let total = 0;
    for (const s of this.engine.plan.steps) {
      if (s.node.opType !== 'CombineMaps' || s.node.domain !== 'edgetune') continue;
      const name = s.node.inputs[1]!;
      const g = grads.get(name);
      const c = this.weights.get(name);
      const p = this.params.find((q) => q.name === name);
      if (!g || !c || !p) continue;
      const [I, J] = p.dims as [number, number];
      const pen = sp.kind === 'entropy' ? entropyPenalty(c, I, J, sp.lambda) : paperL1Penalty(c, I, J, sp.lambda);
      for (let i = 0; i < g.length; i++) g[i]! += pen.gradC[i]!;
      total += pen.value;
    }
    return total;
  }

  /** One optimizer step on a batch. */
  async trainStep(batch: Batch): Promise<StepInfo> {
    if (this.compiledPath) return this.compiledStep(batch);
    const { loss: dataLoss, output, grads } = await this.engine.gradients(batch.feeds, batch.target, this.weights);
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

  /** Model output for a batch with the current weights. */
  async predict(feeds: Record<string, HostTensor>): Promise<Float32Array> {
    return (await this.engine.predict(feeds, this.weights)).data;
  }

  /** Write the current weights into the model and record the fine-tune in its metadata. */
  commit(note: Record<string, unknown> = {}): OnnxModel {
    for (const [name, w] of this.weights) this.model.write(name, w);
    const props = this.model.proto.metadata_props;
    const entry = props.find((p) => p.key === 'edgetune.finetune');
    const value = JSON.stringify({ steps: this.step, loss: this.options.loss, optimizer: this.options.optimizer ?? 'adam', params: this.params.length, ...note });
    if (entry) entry.value = value;
    else props.push({ key: 'edgetune.finetune', value });
    return this.model;
  }

  async dispose(): Promise<void> {
    for (const cs of this.compiled.values()) await (await cs.catch(() => undefined))?.dispose();
    this.compiled.clear();
    await this.engine.dispose();
  }
}
