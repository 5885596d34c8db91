/**
 * A read-only view of an ONNX graph: who produces and who consumes each value,
 * and a topological order (cycles are an error naming a node on the cycle).
 */
import { ModelFormatError } from '../errors.js';
import { Attrs } from './attributes.js';
export class GraphView {
    graph;
    file;
    nodes;
    /** value name → index of the node producing it */
    producer = new Map();
    /** value name → indices of the nodes reading it */
    consumers = new Map();
    initializers;
    inputs;
    outputs;
    /** node indices in an order where every producer precedes its consumers */
    order;
    constructor(graph, file = '<model>') {
        this.graph = graph;
        this.file = file;
        this.nodes = graph.node.map((n, index) => ({
            index, proto: n, name: n.name || `${n.op_type ?? 'node'}_${index}`, opType: n.op_type ?? '', domain: n.domain ?? '',
            inputs: n.input, outputs: n.output, attrs: new Attrs(n),
        }));
        this.initializers = new Set(graph.initializer.map((t) => t.name ?? ''));
        this.inputs = new Set(graph.input.map((v) => v.name ?? ''));
        this.outputs = graph.output.map((v) => v.name ?? '');
        for (const n of this.nodes) {
            for (const o of n.outputs)
                if (o !== '')
                    this.producer.set(o, n.index);
            for (const i of n.inputs) {
                if (i === '')
                    continue;
                const list = this.consumers.get(i) ?? [];
                list.push(n.index);
                this.consumers.set(i, list);
            }
        }
        this.order = this.topoSort();
    }
    topoSort() {
        const pending = this.nodes.map((n) => new Set(n.inputs.filter((i) => i !== '' && this.producer.has(i))).size);
        const ready = [];
        pending.forEach((p, i) => { if (p === 0)
            ready.push(i); });
        const order = [];
        const seen = new Set();
        while (ready.length > 0) {
            const i = ready.shift();
            order.push(i);
            for (const o of this.nodes[i].outputs) {
                if (o === '' || seen.has(o))
                    continue;
                seen.add(o);
                const readers = new Set(this.consumers.get(o) ?? []);
                for (const c of readers)
                    if (--pending[c] === 0)
                        ready.push(c);
            }
        }
        if (order.length !== this.nodes.length) {
            const stuck = this.nodes.find((_, i) => !order.includes(i));
            throw new ModelFormatError(this.file, `graph has a cycle through node '${stuck.name}' (${stuck.opType})`);
        }
        for (const n of this.nodes) {
            for (const i of n.inputs) {
                if (i !== '' && !this.producer.has(i) && !this.initializers.has(i) && !this.inputs.has(i)) {
                    throw new ModelFormatError(this.file, `node '${n.name}' (${n.opType}) reads '${i}', which nothing produces`);
                }
            }
        }
        return order;
    }
    node(i) {
        return this.nodes[i];
    }
    /** Every value reachable downstream of the given ones (the seeds included). */
    downstream(seeds) {
        const out = new Set(seeds);
        for (const i of this.order) {
            const n = this.nodes[i];
            if (n.inputs.some((v) => v !== '' && out.has(v)))
                for (const o of n.outputs)
                    if (o !== '')
                        out.add(o);
        }
        return out;
    }
    /** Every value the given ones depend on (the seeds included). */
    upstream(seeds) {
        const out = new Set(seeds);
        for (let k = this.order.length - 1; k >= 0; k--) {
            const n = this.nodes[this.order[k]];
            if (n.outputs.some((v) => out.has(v)))
                for (const i of n.inputs)
                    if (i !== '')
                        out.add(i);
        }
        return out;
    }
}
