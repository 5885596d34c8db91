import { encodeModel } from '../onnx/model-io.js';
import { Session } from '../runtime/session.js';
import { trainingView } from '../runtime/training-view.js';
export function valuesTouched(plan) {
    const names = new Set();
    for (const s of plan.steps)
        for (const v of [...s.node.inputs, ...s.node.outputs])
            if (v)
                names.add(v);
    names.add(plan.output);
    return [...names];
}
export async function recordShapes(model, backend, plan, feeds, weights, providers) {
    const initDims = new Map(model.initializers.map((t) => [t.name ?? '', t.dims.map(Number)]));
    const all = valuesTouched(plan);
    const produced = all.filter((v) => !initDims.has(v) && !(v in feeds));
    const view = trainingView(model, plan.params, produced);
    const session = await Session.create(backend, encodeModel(view), model.inputs, { label: model.file, ...(providers ? { providers } : {}) });
    try {
        const full = { ...feeds };
        for (const p of plan.params)
            full[p] = { dims: initDims.get(p), data: weights.get(p) };
        const out = await session.run(full, produced);
        const shapes = new Map();
        for (const [k, d] of initDims)
            shapes.set(k, d);
        for (const [k, v] of Object.entries(feeds))
            shapes.set(k, [...v.dims]);
        for (const [k, v] of Object.entries(out))
            shapes.set(k, [...v.dims]);
        return shapes;
    }
    finally {
        await session.dispose();
    }
}
