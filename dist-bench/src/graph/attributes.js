/** Typed access to a node's attributes, with ONNX defaults supplied by the caller. */
import { InputError } from '../errors.js';
import { AttributeType, num } from '../onnx/types.js';
const dec = new TextDecoder();
export class Attrs {
    node;
    map;
    constructor(node) {
        this.node = node;
        this.map = new Map(node.attribute.map((a) => [a.name ?? '', a]));
    }
    has(name) {
        return this.map.has(name);
    }
    get(name, type) {
        const a = this.map.get(name);
        if (a && a.type !== undefined && a.type !== type) {
            throw new InputError(`node '${this.node.name ?? ''}' (${this.node.op_type}): attribute '${name}' has the wrong type`);
        }
        return a;
    }
    int(name, dflt) {
        const a = this.get(name, AttributeType.INT);
        return a ? num(a.i) : dflt;
    }
    float(name, dflt) {
        const a = this.get(name, AttributeType.FLOAT);
        return a ? a.f ?? 0 : dflt;
    }
    string(name, dflt) {
        const a = this.get(name, AttributeType.STRING);
        return a?.s ? dec.decode(a.s) : dflt;
    }
    ints(name, dflt) {
        const a = this.get(name, AttributeType.INTS);
        return a ? a.ints.map((v) => num(v)) : dflt;
    }
    floats(name, dflt) {
        const a = this.get(name, AttributeType.FLOATS);
        return a ? [...a.floats] : dflt;
    }
    tensor(name) {
        return this.get(name, AttributeType.TENSOR)?.t;
    }
}
