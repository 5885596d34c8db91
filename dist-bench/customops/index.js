/**
 * The edgetune op domain (version 1). Each op is a model-local ONNX function
 * built from standard ops, so every ONNX Runtime execution provider runs it.
 * `ensureEdgetuneFunctions` adds the definitions (and the opset import) that a
 * model using these ops does not carry itself.
 */
import { UnsupportedError } from '../src/errors.js';
import { opset } from '../src/onnx/builder.js';
import { defaultOpset } from '../src/onnx/model-io.js';
import { num } from '../src/onnx/types.js';
import { combineMapsFunction, COMBINE_MAPS } from './combine-maps.js';
import { EDGETUNE_DOMAIN, EDGETUNE_DOMAIN_VERSION, MIN_BODY_OPSET } from './domain.js';
import { subsampleFunction, SUBSAMPLE } from './subsample.js';
import { tableConvFunction, TABLE_CONV } from './table-conv.js';
export { EDGETUNE_DOMAIN, EDGETUNE_DOMAIN_VERSION } from './domain.js';
export { SUBSAMPLE, subsampleFunction, subsampleReference } from './subsample.js';
export { COMBINE_MAPS, combineMapsFunction, combineMapsReference, softmaxColumns } from './combine-maps.js';
export { TABLE_CONV, tableConvFunction, lenet5Table } from './table-conv.js';
export const edgetuneOps = {
    [SUBSAMPLE]: subsampleFunction,
    [COMBINE_MAPS]: combineMapsFunction,
    [TABLE_CONV]: tableConvFunction,
};
/** The edgetune function definitions for a model with the given default opset. */
export function edgetuneFunctions(opsetVersion) {
    return Object.values(edgetuneOps).map((f) => f(opsetVersion));
}
/** Edgetune op types used by these nodes or inside their subgraphs (If/Loop/Scan bodies). */
function collectEdgetuneOps(nodes, used, depth = 0) {
    if (depth > 64)
        throw new UnsupportedError('subgraphs are nested more than 64 deep');
    for (const n of nodes) {
        if (n.domain === EDGETUNE_DOMAIN)
            used.add(n.op_type ?? '');
        for (const a of n.attribute) {
            if (a.g)
                collectEdgetuneOps(a.g.node, used, depth + 1);
            for (const g of a.graphs)
                collectEdgetuneOps(g.node, used, depth + 1);
        }
    }
}
/**
 * Add the definitions of edgetune ops the model uses but does not define, and
 * the `edgetune` opset import. Returns the names added. Mutates the model.
 */
export function ensureEdgetuneFunctions(m, file = '<model>') {
    const used = new Set();
    collectEdgetuneOps(m.graph?.node ?? [], used);
    for (const f of m.functions)
        collectEdgetuneOps(f.node, used);
    const defined = new Set(m.functions.filter((f) => f.domain === EDGETUNE_DOMAIN).map((f) => f.name));
    const missing = [...used].filter((op) => !defined.has(op));
    if (used.size > 0 && !m.opset_import.some((o) => o.domain === EDGETUNE_DOMAIN)) {
        m.opset_import.push(opset(EDGETUNE_DOMAIN, EDGETUNE_DOMAIN_VERSION));
    }
    if (missing.length === 0)
        return [];
    const unknown = missing.filter((op) => !(op in edgetuneOps));
    if (unknown.length > 0) {
        throw new UnsupportedError(`${file}: unknown op${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `${EDGETUNE_DOMAIN}.${u}`).join(', ')} (the edgetune domain has ${Object.keys(edgetuneOps).join(', ')})`);
    }
    const version = defaultOpset(m);
    if (version < MIN_BODY_OPSET) {
        throw new UnsupportedError(`${file}: edgetune ops need a default-domain opset of at least ${MIN_BODY_OPSET}, the model imports ${version}`);
    }
    for (const op of missing)
        m.functions.push(edgetuneOps[op](version));
    if (num(m.ir_version) < 9)
        m.ir_version = 9;
    return missing;
}
