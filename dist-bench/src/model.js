/**
 * An ONNX model in memory: the decoded ModelProto, where it came from, and
 * its external data. Reading and replacing initializer values goes through
 * here; every other field stays exactly as loaded.
 */
import { ensureEdgetuneFunctions } from '../customops/index.js';
import { InputError, ModelFormatError } from './errors.js';
import { DataType, dtypeName } from './onnx/dtypes.js';
import { cloneModel, decodeModel, encodeModel } from './onnx/model-io.js';
import { readTensor, writeTensor } from './onnx/tensor-codec.js';
function specOf(v) {
    const tt = v.type?.tensor_type;
    return {
        name: v.name ?? '',
        elemType: tt?.elem_type ?? 0,
        dims: tt?.shape ? tt.shape.dim.map((d) => (d.dim_value !== undefined && Object.prototype.hasOwnProperty.call(d, 'dim_value') ? Number(d.dim_value) : d.dim_param ?? '?')) : undefined,
    };
}
export class OnnxModel {
    proto;
    file;
    external;
    /** Names of edgetune functions added at load because the model used them without a definition. */
    injected;
    constructor(proto, file, external) {
        this.proto = proto;
        this.file = file;
        this.external = external;
        this.injected = ensureEdgetuneFunctions(proto, file);
        this.checkGraph();
    }
    static fromBytes(bytes, file = '<bytes>', external) {
        return new OnnxModel(decodeModel(bytes, file), file, external);
    }
    get graph() {
        return this.proto.graph;
    }
    checkGraph() {
        const names = new Set();
        for (const t of this.graph.initializer) {
            const n = t.name ?? '';
            if (names.has(n))
                throw new ModelFormatError(this.file, `duplicate initializer name '${n}'`);
            names.add(n);
        }
        const produced = new Set();
        for (const nd of this.graph.node) {
            for (const o of nd.output) {
                if (o === '')
                    continue;
                if (produced.has(o))
                    throw new ModelFormatError(this.file, `value '${o}' is produced by more than one node (node '${nd.name ?? ''}')`);
                produced.add(o);
            }
        }
    }
    get initializers() {
        return this.graph.initializer;
    }
    initializer(name) {
        const t = this.graph.initializer.find((i) => i.name === name);
        if (!t)
            throw new InputError(`${this.file}: no initializer named '${name}'`);
        return t;
    }
    hasInitializer(name) {
        return this.graph.initializer.some((i) => i.name === name);
    }
    read(name) {
        return readTensor(this.initializer(name), this.external, this.file);
    }
    /** An initializer's values as float32 (float32 tensors only). */
    readFloat(name) {
        const t = this.read(name);
        if (t.dtype !== DataType.FLOAT)
            throw new InputError(`${this.file}: initializer '${name}' is ${dtypeName(t.dtype)}, not float32`);
        return t.data;
    }
    /** Replace an initializer's values, keeping its name, dims, dtype and storage form. */
    write(name, data) {
        writeTensor(this.initializer(name), data, this.external, this.file);
    }
    /** Graph inputs that are not initializers: what a caller must feed. */
    get inputs() {
        const init = new Set(this.graph.initializer.map((t) => t.name));
        return this.graph.input.filter((v) => !init.has(v.name)).map(specOf);
    }
    get outputs() {
        return this.graph.output.map(specOf);
    }
    /** The model as ONNX bytes, external data references kept. */
    toBytes() {
        return encodeModel(this.proto);
    }
    /** A self-contained copy for ONNX Runtime: external data inlined as raw_data. */
    runtimeProto() {
        const copy = cloneModel(this.proto);
        const store = this.external;
        if (store) {
            const originals = new Map(this.graph.initializer.map((t) => [t.name, t]));
            for (const t of copy.graph.initializer) {
                if (t.data_location !== 1)
                    continue;
                const decoded = readTensor(originals.get(t.name), store, this.file);
                t.raw_data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
                t.external_data = [];
                delete t.data_location;
            }
        }
        return copy;
    }
    clone() {
        return new OnnxModel(cloneModel(this.proto), this.file, this.external?.clone());
    }
}
