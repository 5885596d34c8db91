import { encodeModel } from '../onnx/model-io.js';
import { Session } from '../runtime/session.js';
import { asFloat } from '../grad/rule.js';
import { slotNames, stepInputs } from './optimizer-emit.js';
import { recordShapes } from './shapes.js';
import { compileStep, GRAD_NORM, LOSS, MAX_NORM, newSlot, newWeight, slotInput, TARGET } from './step-graph.js';
export class CompiledStep {
    session;
    plan;
    dims;
    opts;
    constructor(session, plan, dims, opts) {
        this.session = session;
        this.plan = plan;
        this.dims = dims;
        this.opts = opts;
    }
    get provider() {
        return this.session.provider;
    }
    static async create(model, backend, plan, feeds, target, weights, opts) {
        const shapes = await recordShapes(model, backend, plan, feeds, weights, opts.providers);
        const labels = target.data instanceof BigInt64Array || target.data instanceof Int32Array;
        const proto = compileStep(model, plan, shapes, { loss: opts.loss, optimizer: opts.optimizer, hyper: opts.hyper, labels, clip: opts.clip });
        const session = await Session.create(backend, encodeModel(proto), [], {
            label: `${model.file} (compiled training step)`, ...(opts.providers ? { providers: opts.providers } : {}),
        });
        return new CompiledStep(session, plan, new Map(plan.params.map((p) => [p, shapes.get(p)])), opts);
    }
    async run(feeds, target, weights, slots, scalars, maxNorm) {
        const all = { ...feeds };
        all[TARGET] = target.data instanceof Int32Array ? { dims: target.dims, data: BigInt64Array.from(target.data, (v) => BigInt(v)) } : target;
        if (this.opts.clip)
            all[MAX_NORM] = { dims: [], data: Float32Array.of(maxNorm ?? Infinity) };
        const names = [this.plan.output, LOSS, GRAD_NORM];
        for (const p of this.plan.params) {
            const dims = this.dims.get(p);
            all[p] = { dims, data: weights.get(p) };
            const sc = scalars.get(p);
            const inp = stepInputs(p);
            all[inp.lr] = { dims: [], data: Float32Array.of(sc.lr) };
            all[inp.stepSize] = { dims: [], data: Float32Array.of(sc.stepSize) };
            all[inp.invSqrtBc2] = { dims: [], data: Float32Array.of(sc.invSqrtBc2) };
            all[inp.scale] = { dims: [], data: Float32Array.of(sc.scale) };
            names.push(newWeight(p));
            for (const s of slotNames[this.opts.optimizer]) {
                all[slotInput(p, s)] = { dims, data: slots.get(p)[s] };
                names.push(newSlot(p, s));
            }
        }
        const out = await this.session.run(all, names);
        const newWeights = new Map();
        const newSlots = new Map();
        for (const p of this.plan.params) {
            newWeights.set(p, out[newWeight(p)].data);
            newSlots.set(p, Object.fromEntries(slotNames[this.opts.optimizer].map((s) => [s, out[newSlot(p, s)].data])));
        }
        return {
            loss: Number(out[LOSS].data[0]),
            gradNorm: Number(out[GRAD_NORM].data[0]),
            output: asFloat(out[this.plan.output], 'output'),
            weights: newWeights,
            slots: newSlots,
        };
    }
    async dispose() {
        await this.session.dispose();
    }
}
