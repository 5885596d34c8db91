/**
 * A session over an ONNX model on one execution provider, with feeds checked
 * against the model's declared inputs before ONNX Runtime sees them.
 */
import { EdgetuneError, InputError } from '../errors.js';
import { describeTensor, elemTypeOf, fromOrt, toOrt } from './host-tensor.js';
export class RuntimeError extends EdgetuneError {
}
function firstLine(e) {
    return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
export class Session {
    backend;
    session;
    provider;
    inputs;
    label;
    constructor(backend, session, provider, inputs, label) {
        this.backend = backend;
        this.session = session;
        this.provider = provider;
        this.inputs = inputs;
        this.label = label;
    }
    /** Create a session, trying each provider in order; the error names every failure. */
    static async create(backend, bytes, inputs, opts = {}) {
        const providers = opts.providers && opts.providers.length > 0 ? opts.providers : backend.defaultProviders;
        const label = opts.label ?? '<model>';
        const failures = [];
        for (const p of providers) {
            if (!backend.providers.includes(p)) {
                failures.push(`${p}: not available on ${backend.platform} (have ${backend.providers.join(', ')})`);
                continue;
            }
            try {
                const s = await backend.ort.InferenceSession.create(bytes, {
                    executionProviders: [p],
                    graphOptimizationLevel: 'all',
                    ...backend.sessionOptions?.(p),
                    ...opts.ortOptions,
                });
                return new Session(backend, s, p, inputs, label);
            }
            catch (e) {
                failures.push(`${p}: ${firstLine(e)}`);
            }
        }
        throw new RuntimeError(`${label}: ONNX Runtime could not load the model (${failures.join('; ')})`);
    }
    get inputNames() {
        return this.session.inputNames;
    }
    get outputNames() {
        return this.session.outputNames;
    }
    check(feeds) {
        for (const spec of this.inputs) {
            const t = feeds[spec.name];
            if (!t)
                throw new InputError(`${this.label}: input '${spec.name}' (${describeTensor(spec, spec.elemType)}) is missing`);
            const et = elemTypeOf(t);
            const bad = (spec.elemType !== 0 && et !== spec.elemType) ||
                (spec.dims !== undefined && (spec.dims.length !== t.dims.length || spec.dims.some((d, i) => typeof d === 'number' && d > 0 && d !== t.dims[i])));
            if (bad) {
                throw new InputError(`${this.label}: input '${spec.name}' expects ${describeTensor(spec, spec.elemType)}, got ${describeTensor(t, et)}`);
            }
        }
        const known = new Set(this.session.inputNames);
        for (const k of Object.keys(feeds)) {
            if (!known.has(k))
                throw new InputError(`${this.label}: the model has no input '${k}' (inputs: ${[...known].join(', ')})`);
        }
    }
    /** Run the model; returns the requested outputs (all by default). */
    async run(feeds, outputs) {
        this.check(feeds);
        const ortFeeds = {};
        for (const [k, v] of Object.entries(feeds))
            ortFeeds[k] = toOrt(this.backend.ort, v);
        let result;
        try {
            result = outputs ? await this.session.run(ortFeeds, [...outputs]) : await this.session.run(ortFeeds);
        }
        catch (e) {
            throw new RuntimeError(`${this.label}: ONNX Runtime failed to run the model (${firstLine(e)})`);
        }
        const out = {};
        for (const [k, v] of Object.entries(result))
            out[k] = fromOrt(v);
        return out;
    }
    async dispose() {
        await this.session.release();
    }
}
