/**
 * Forward on ONNX Runtime, backward through the rules: the loss and the
 * gradient of every trained parameter for one batch.
 *
 * The reverse walk visits the plan's nodes in reverse topological order,
 * sums gradients where a value feeds several nodes (residual connections),
 * and stops at values no trained parameter depends on.
 */
import { InputError, UnsupportedError } from '../errors.js';
import { missingEmitters } from '../compile/backward-graph.js';
import { CompiledBackward } from '../compile/compiled-backward.js';
import { GraphView } from '../graph/graph.js';
import { encodeModel, defaultOpset } from '../onnx/model-io.js';
import { Session } from '../runtime/session.js';
import { trainingView } from '../runtime/training-view.js';
import { addInto, sameShape } from '../tensor/tensor.js';
import { computeLoss } from './losses.js';
import { buildPlan } from './plan.js';
import { asFloat } from './rule.js';
import { rules as defaultRules } from './rules/index.js';
export class GradientEngine {
    model;
    view;
    plan;
    session;
    loss;
    constants;
    backend;
    backwardPath;
    providers;
    params;
    opset;
    compiled = new Map();
    constructor(model, view, plan, session, loss, constants, backend, backwardPath, providers) {
        this.model = model;
        this.view = view;
        this.plan = plan;
        this.session = session;
        this.loss = loss;
        this.constants = constants;
        this.backend = backend;
        this.backwardPath = backwardPath;
        this.providers = providers;
        this.params = plan.params.map((name) => ({ name, dims: model.read(name).dims }));
        this.opset = defaultOpset(model.proto);
    }
    static async create(model, backend, opts) {
        const view = new GraphView(model.graph, model.file);
        const output = opts.output ?? view.outputs[0];
        if (output === undefined)
            throw new InputError(`${model.file}: the model has no outputs`);
        const plan = buildPlan(view, {
            output, rules: opts.rules ?? defaultRules,
            ...(opts.trainable ? { trainable: opts.trainable } : {}),
            ...(opts.frozen ? { frozen: opts.frozen } : {}),
        });
        const trainView = trainingView(model, plan.params, plan.saved);
        const feedsSpec = model.inputs;
        const session = await Session.create(backend, encodeModel(trainView), feedsSpec, {
            label: model.file, ...(opts.providers ? { providers: opts.providers } : {}),
        });
        const trained = new Set(plan.params);
        const constants = new Map();
        for (const s of plan.steps) {
            for (const v of s.node.inputs) {
                if (v && view.initializers.has(v) && !trained.has(v) && !constants.has(v)) {
                    const t = model.read(v);
                    constants.set(v, { dims: t.dims, data: t.data });
                }
            }
        }
        const path = opts.backward ?? 'typescript';
        if (path === 'compiled') {
            const missing = missingEmitters(plan);
            if (missing.length > 0)
                throw new UnsupportedError(`compiled backward: no ONNX emitter for ${missing.map((m) => `${m.opType} (node ${m.node})`).join(', ')}`);
        }
        return new GradientEngine(model, view, plan, session, opts.loss, constants, backend, path, opts.providers);
    }
    /** The current values of the trained parameters, read from the model. */
    currentWeights() {
        return new Map(this.params.map((p) => [p.name, this.model.readFloat(p.name)]));
    }
    /** Run the training view: the loss output and every saved value. */
    async forward(feeds, weights) {
        const all = this.withWeights(feeds, weights);
        const result = await this.session.run(all, [this.plan.output, ...this.plan.saved]);
        const values = new Map(Object.entries(result));
        for (const [k, v] of Object.entries(all))
            values.set(k, v);
        for (const [k, v] of this.constants)
            values.set(k, v);
        return { output: asFloat(values.get(this.plan.output), `output '${this.plan.output}'`), values };
    }
    /** The model output alone for the given weights (no saved values). */
    async predict(feeds, weights) {
        const result = await this.session.run(this.withWeights(feeds, weights), [this.plan.output]);
        return asFloat(result[this.plan.output], `output '${this.plan.output}'`);
    }
    withWeights(feeds, weights) {
        const all = { ...feeds };
        for (const p of this.params) {
            const w = weights.get(p.name);
            if (!w)
                throw new InputError(`no value given for parameter '${p.name}'`);
            all[p.name] = { dims: p.dims, data: w };
        }
        return all;
    }
    /** The batch-mean loss alone (one forward pass). */
    async lossOnly(feeds, target, weights) {
        return computeLoss(this.loss, await this.predict(feeds, weights), target).loss;
    }
    /** Loss and ∂L/∂θ for every trained parameter θ. */
    async gradients(feeds, target, weights) {
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
    compiledFor(feeds, weights) {
        const key = JSON.stringify(Object.entries(feeds).map(([k, v]) => [k, v.dims]));
        let cb = this.compiled.get(key);
        if (!cb) {
            cb = CompiledBackward.create(this.model, this.backend, this.plan, feeds, weights, this.providers);
            this.compiled.set(key, cb);
        }
        return cb;
    }
    /** The reverse walk from ∂L/∂output to every trained parameter. */
    backward(values, gradOutput) {
        const g = new Map([[this.plan.output, gradOutput]]);
        const accumulate = (name, t) => {
            const prev = g.get(name);
            if (prev)
                addInto(prev, t);
            else
                g.set(name, { dims: t.dims, data: t.data.slice() });
        };
        for (let s = this.plan.steps.length - 1; s >= 0; s--) {
            const { node, rule, needs } = this.plan.steps[s];
            const gradOutputs = node.outputs.map((o) => g.get(o));
            if (gradOutputs.every((x) => x === undefined))
                continue;
            const ctx = {
                node, needs, gradOutputs, opset: this.opset,
                inputs: node.inputs.map((v) => (v ? values.get(v) : undefined)),
                outputs: node.outputs.map((v) => (v ? values.get(v) : undefined)),
            };
            const result = rule.vjp(ctx);
            node.inputs.forEach((v, k) => {
                if (!needs[k])
                    return;
                const t = result[k];
                if (!t)
                    throw new InputError(`rule for ${node.opType} (node '${node.name}') gave no gradient for input ${k}`);
                const value = values.get(v);
                if (value && !sameShape(value.dims, t.dims)) {
                    throw new InputError(`rule for ${node.opType} (node '${node.name}') gave a gradient of shape [${t.dims.join(',')}] for input '${v}' of shape [${value.dims.join(',')}]`);
                }
                accumulate(v, t);
            });
            for (const o of node.outputs)
                if (o !== this.plan.output)
                    g.delete(o);
        }
        const out = new Map();
        for (const p of this.params)
            out.set(p.name, g.get(p.name)?.data ?? new Float32Array(p.dims.reduce((a, b) => a * b, 1)));
        return out;
    }
    async dispose() {
        for (const cb of this.compiled.values())
            await (await cb.catch(() => undefined))?.dispose();
        this.compiled.clear();
        await this.session.dispose();
    }
}
