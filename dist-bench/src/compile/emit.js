/**
 * Emitting a rule's vector–Jacobian product as ONNX nodes. An emitter mirrors
 * its rule's TypeScript VJP line by line, but names values instead of holding
 * them: it reads the node's forward values and ∂L/∂outputs by name and returns
 * the names of ∂L/∂inputs. Shapes are static: the compiled graph is built for
 * one set of input shapes (recorded by one forward pass), so emitters may read
 * any forward value's dims.
 */
import { floatTensor, int64Tensor, node as makeNode } from '../onnx/builder.js';
/** Collects the nodes and constants emitted for one graph, with unique names and known dims. */
export class GraphEmitter {
    prefix;
    nodes = [];
    constants = [];
    shapes;
    counter = 0;
    constCache = new Map();
    constructor(shapes, prefix = 'grad') {
        this.prefix = prefix;
        this.shapes = new Map(shapes);
    }
    fresh(hint) {
        return `${this.prefix}/${hint}_${this.counter++}`;
    }
    dims(name) {
        const d = this.shapes.get(name);
        if (!d)
            throw new Error(`no static shape recorded for '${name}'`);
        return d;
    }
    setDims(name, dims) {
        this.shapes.set(name, [...dims]);
    }
    add(op, inputs, attrs = {}, outputs = 1) {
        const outs = Array.from({ length: outputs }, () => this.fresh(op));
        this.nodes.push(makeNode(op, [...inputs], outs, attrs, { name: this.fresh(`${op}_node`) }));
        return outs;
    }
    ints(values, dims = [values.length]) {
        const key = `i:${dims.join(',')}:${values.join(',')}`;
        const hit = this.constCache.get(key);
        if (hit)
            return hit;
        const name = this.fresh('const_i64');
        this.constants.push(int64Tensor(name, [...dims], values));
        this.constCache.set(key, name);
        this.shapes.set(name, [...dims]);
        return name;
    }
    floats(values, dims = [values.length]) {
        const key = `f:${dims.join(',')}:${values.join(',')}`;
        const hit = this.constCache.get(key);
        if (hit)
            return hit;
        const name = this.fresh('const_f32');
        this.constants.push(floatTensor(name, [...dims], values));
        this.constCache.set(key, name);
        this.shapes.set(name, [...dims]);
        return name;
    }
    /** The EmitContext for one node of the forward graph. */
    context(base) {
        return {
            ...base,
            dims: (n) => this.dims(n),
            add: (op, inputs, attrs, outputs) => this.add(op, inputs, attrs, outputs),
            op: (op, inputs, attrs) => this.add(op, inputs, attrs, 1)[0],
            setDims: (n, d) => this.setDims(n, d),
            ints: (v, d) => this.ints(v, d),
            floats: (v, d) => this.floats(v, d),
        };
    }
}
