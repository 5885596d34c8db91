import { encodeModel } from '../onnx/model-io.js';
import { Session } from '../runtime/session.js';
import { compileBackward, GRAD_OUTPUT } from './backward-graph.js';
import { recordShapes } from './shapes.js';
export class CompiledBackward {
    session;
    grads;
    dims;
    constructor(session, grads, dims) {
        this.session = session;
        this.grads = grads;
        this.dims = dims;
    }
    static async create(model, backend, plan, feeds, weights, providers) {
        const shapes = await recordShapes(model, backend, plan, feeds, weights, providers);
        const compiled = compileBackward(model, plan, shapes);
        const session = await Session.create(backend, encodeModel(compiled.proto), [], {
            label: `${model.file} (compiled backward)`, ...(providers ? { providers } : {}),
        });
        return new CompiledBackward(session, compiled.grads, new Map(plan.params.map((p) => [p, shapes.get(p)])));
    }
    async run(feeds, weights, gradOutput) {
        const all = { ...feeds, [GRAD_OUTPUT]: gradOutput };
        for (const [p, d] of this.dims)
            all[p] = { dims: d, data: weights.get(p) };
        const out = await this.session.run(all, [...this.grads.values()]);
        return new Map([...this.grads].map(([p, n]) => [p, out[n].data]));
    }
    async dispose() {
        await this.session.dispose();
    }
}
