import { valueInfo } from '../onnx/builder.js';
import { tensorDims } from '../onnx/tensor-codec.js';
export function trainingView(model, params, saved) {
    const proto = model.runtimeProto();
    const g = proto.graph;
    const trained = new Set(params);
    const moved = g.initializer.filter((t) => trained.has(t.name ?? ''));
    g.initializer = g.initializer.filter((t) => !trained.has(t.name ?? ''));
    const declared = new Set(g.input.map((v) => v.name));
    g.input = g.input.filter((v) => !trained.has(v.name ?? ''));
    for (const t of moved)
        g.input.push(valueInfo(t.name ?? '', t.data_type ?? 1, tensorDims(t)));
    const outs = new Set(g.output.map((v) => v.name));
    for (const v of saved) {
        if (outs.has(v) || declared.has(v))
            continue;
        g.output.push({ name: v, metadata_props: [] });
        outs.add(v);
    }
    return proto;
}
