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
import { globMatch } from '../grad/plan.js';
import { entropyPenalty, paperL1Penalty } from '../grad/sparsity.js';
import { GraphView } from '../graph/graph.js';
import { missingEmitters } from '../compile/backward-graph.js';
import { CompiledStep } from '../compile/compiled-step.js';
import { clipByGlobalNorm, globalNorm } from './clip.js';
import { frozenBefore } from './freeze.js';
import { getOptimizer } from './optimizers/index.js';
import { learningRate } from './schedules.js';
/** Index of the largest value in each row of y viewed as [N, K]. */
export function argmaxRows(y, n) {
    const k = y.length / n;
    const out = new Int32Array(n);
    for (let r = 0; r < n; r++) {
        let best = 0;
        for (let c = 1; c < k; c++)
            if (y[r * k + c] > y[r * k + best])
                best = c;
        out[r] = best;
    }
    return out;
}
/** Correct predictions against int labels or against the argmax of float targets. */
export function countCorrect(y, n, target) {
    const pred = argmaxRows(y, n);
    const t = target.data;
    let correct = 0;
    if (t instanceof BigInt64Array || t instanceof Int32Array) {
        for (let i = 0; i < n; i++)
            if (pred[i] === Number(t[i]))
                correct++;
    }
    else {
        const tl = argmaxRows(t, n);
        for (let i = 0; i < n; i++)
            if (pred[i] === tl[i])
                correct++;
    }
    return correct;
}
function allFinite(a) {
    for (let i = 0; i < a.length; i++)
        if (!Number.isFinite(a[i]))
            return false;
    return true;
}
export class Tuner {
    model;
    engine;
    options;
    backend;
    weights;
    states;
    step = 0;
    badRun = 0;
    firstBad;
    optimizer;
    optOptions;
    compiledPath;
    compiled = new Map();
    constructor(model, engine, options, backend) {
        this.model = model;
        this.engine = engine;
        this.options = options;
        this.backend = backend;
        this.optimizer = getOptimizer(options.optimizer ?? 'adam');
        this.optOptions = {
            ...(options.weightDecay !== undefined ? { weightDecay: options.weightDecay } : {}),
            ...(options.momentum !== undefined ? { momentum: options.momentum } : {}),
            ...(options.nesterov !== undefined ? { nesterov: options.nesterov } : {}),
        };
        this.weights = engine.currentWeights();
        this.states = new Map(engine.params.map((p) => [p.name, this.optimizer.init(this.weights.get(p.name))]));
        this.compiledPath = this.chooseCompiled();
    }
    chooseCompiled() {
        if ((this.options.backward ?? 'compiled') !== 'compiled')
            return false;
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
    get backwardPath() {
        return this.compiledPath ? 'compiled' : 'typescript';
    }
    hyper() {
        const o = this.optOptions;
        const kind = this.options.optimizer ?? 'adam';
        return {
            weightDecay: o.weightDecay ?? (kind === 'adamw' ? 0.01 : 0), momentum: o.momentum ?? 0.9, nesterov: o.nesterov ?? false,
            beta1: o.beta1 ?? 0.9, beta2: o.beta2 ?? 0.999, eps: o.eps ?? 1e-8,
        };
    }
    stepScalars() {
        const h = this.hyper();
        const kind = this.options.optimizer ?? 'adam';
        return new Map(this.params.map((p) => {
            const lr = this.learningRate(p.name);
            const t = this.states.get(p.name).step + 1;
            const bc1 = 1 - h.beta1 ** t, bc2 = 1 - h.beta2 ** t;
            return [p.name, { lr, stepSize: lr / bc1, invSqrtBc2: 1 / Math.sqrt(bc2), scale: kind === 'adamw' ? 1 - lr * h.weightDecay : 1 }];
        }));
    }
    compiledFor(batch) {
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
    async compiledStep(batch) {
        let cs;
        try {
            cs = await this.compiledFor(batch);
        }
        catch (e) {
            this.compiledPath = false;
            this.options.onNotice?.(`backward runs in TypeScript: the compiled step could not be built (${e.message.split('\n')[0]})`);
            return this.trainStep(batch);
        }
        const names = this.params.map((p) => p.name);
        const slots = new Map(names.map((n) => [n, this.states.get(n).slots]));
        const r = await cs.run(batch.feeds, batch.target, this.weights, slots, this.stepScalars(), this.options.maxGradNorm);
        const n = r.output.dims[0] ?? 1;
        const info = { step: this.step, loss: r.loss, lr: this.learningRate(names[0] ?? ''), gradNorm: r.gradNorm, skipped: true, correct: countCorrect(r.output.data, n, batch.target), size: n };
        if (!Number.isFinite(r.loss))
            return this.badStep(info, names[0] ?? 'loss');
        const bad = names.find((name) => !allFinite(r.weights.get(name)));
        if (bad !== undefined)
            return this.badStep(info, bad);
        this.weights = r.weights;
        this.states = new Map(names.map((name) => [name, { step: this.states.get(name).step + 1, slots: r.slots.get(name) }]));
        this.step++;
        this.badRun = 0;
        this.firstBad = undefined;
        return { ...info, skipped: false };
    }
    static async create(model, backend, options) {
        const frozen = [...(options.frozen ?? [])];
        if (options.trainAfter)
            frozen.push(...frozenBefore(new GraphView(model.graph, model.file), options.trainAfter));
        const engine = await GradientEngine.create(model, backend, {
            loss: options.loss,
            ...(options.output ? { output: options.output } : {}),
            ...(options.trainable ? { trainable: options.trainable } : {}),
            ...(frozen.length > 0 ? { frozen } : {}),
            ...(options.providers ? { providers: options.providers } : {}),
        });
        return new Tuner(model, engine, options, backend);
    }
    get params() {
        return this.engine.params;
    }
    get inputName() {
        return this.model.inputs[0]?.name ?? 'input';
    }
    /** The learning rate of a parameter at the current step. */
    learningRate(param) {
        let base = this.options.lr ?? 1e-3;
        for (const [glob, lr] of Object.entries(this.options.lrPerParam ?? {})) {
            if (globMatch(glob, param)) {
                base = lr;
                break;
            }
        }
        return learningRate(base, this.options.schedule ?? { kind: 'constant' }, this.step);
    }
    addSparsity(grads) {
        const sp = this.options.sparsity;
        if (!sp || sp.lambda === 0)
            return 0;
        let total = 0;
        for (const s of this.engine.plan.steps) {
            if (s.node.opType !== 'CombineMaps' || s.node.domain !== 'edgetune')
                continue;
            const name = s.node.inputs[1];
            const g = grads.get(name);
            const c = this.weights.get(name);
            const p = this.params.find((q) => q.name === name);
            if (!g || !c || !p)
                continue;
            const [I, J] = p.dims;
            const pen = sp.kind === 'entropy' ? entropyPenalty(c, I, J, sp.lambda) : paperL1Penalty(c, I, J, sp.lambda);
            for (let i = 0; i < g.length; i++)
                g[i] += pen.gradC[i];
            total += pen.value;
        }
        return total;
    }
    /** One optimizer step on a batch. */
    async trainStep(batch) {
        if (this.compiledPath)
            return this.compiledStep(batch);
        const { loss: dataLoss, output, grads } = await this.engine.gradients(batch.feeds, batch.target, this.weights);
        const loss = dataLoss + this.addSparsity(grads);
        const n = output.dims[0] ?? 1;
        const correct = countCorrect(output.data, n, batch.target);
        const names = this.params.map((p) => p.name);
        const badGrad = names.find((name) => !allFinite(grads.get(name)));
        let info = { step: this.step, loss, lr: this.learningRate(names[0] ?? ''), gradNorm: NaN, skipped: true, correct, size: n };
        if (!Number.isFinite(loss) || badGrad !== undefined)
            return this.badStep(info, badGrad ?? names[0] ?? 'loss');
        const raw = names.map((k) => grads.get(k));
        const clip = this.options.maxGradNorm !== undefined ? clipByGlobalNorm(raw, this.options.maxGradNorm) : { grads: raw, norm: globalNorm(raw) };
        const nextW = new Map();
        const nextS = new Map();
        for (let i = 0; i < names.length; i++) {
            const name = names[i];
            const r = this.optimizer.step(this.weights.get(name), clip.grads[i], this.states.get(name), this.learningRate(name), this.optOptions);
            if (!allFinite(r.param))
                return this.badStep({ ...info, gradNorm: clip.norm }, name);
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
    badStep(info, param) {
        this.firstBad ??= param;
        this.badRun++;
        const limit = this.options.maxBadSteps ?? 5;
        if (this.badRun >= limit) {
            throw new NumericalError(`training stopped after ${this.badRun} steps in a row with a non-finite loss or gradient (first bad parameter: '${this.firstBad}'); try a lower --lr or --max-grad-norm`);
        }
        return info;
    }
    /** Model output for a batch with the current weights. */
    async predict(feeds) {
        return (await this.engine.predict(feeds, this.weights)).data;
    }
    /** Write the current weights into the model and record the fine-tune in its metadata. */
    commit(note = {}) {
        for (const [name, w] of this.weights)
            this.model.write(name, w);
        const props = this.model.proto.metadata_props;
        const entry = props.find((p) => p.key === 'edgetune.finetune');
        const value = JSON.stringify({ steps: this.step, loss: this.options.loss, optimizer: this.options.optimizer ?? 'adam', params: this.params.length, ...note });
        if (entry)
            entry.value = value;
        else
            props.push({ key: 'edgetune.finetune', value });
        return this.model;
    }
    async dispose() {
        for (const cs of this.compiled.values())
            await (await cs.catch(() => undefined))?.dispose();
        this.compiled.clear();
        await this.engine.dispose();
    }
}
