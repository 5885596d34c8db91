/**
 * An ONNX model in memory: the decoded ModelProto, where it came from, and
 * its external data. Reading and replacing initializer values goes through
 * here; every other field stays exactly as loaded.
 */
import { ensureEdgetuneFunctions } from '../customops/index.js';
import { InputError, ModelFormatError, UnsupportedError } from './errors.js';
import { DataType, dtypeName, type TypedArray } from './onnx/dtypes.js';
import { MemoryExternalStore } from './onnx/external-data.js';
import { cloneModel, cloneSharingData, decodeModel, encodeModel } from './onnx/model-io.js';
import { lowerEdgetuneOps } from './runtime/lower.js';
import { findTensor } from './graph/constant-tensors.js';
import { inlineLocalFunctions } from './graph/inline-functions.js';
import { readTensor, writeTensor, type DecodedTensor } from './onnx/tensor-codec.js';
import type { GraphProto, ModelProto, TensorProto, ValueInfo } from './onnx/types.js';

export interface TensorSpec {
  name: string;
  /** ONNX element type code */
  elemType: number;
  /** numbers for fixed dims, strings for symbolic ones, undefined when unknown */
  dims: (number | string)[] | undefined;
}

function specOf(v: ValueInfo): TensorSpec {
  const tt = v.type?.tensor_type;
  return {
    name: v.name ?? '',
    elemType: tt?.elem_type ?? 0,
    dims: tt?.shape ? tt.shape.dim.map((d) => (d.dim_value !== undefined && Object.prototype.hasOwnProperty.call(d, 'dim_value') ? Number(d.dim_value) : d.dim_param ?? '?')) : undefined,
  };
}

export class OnnxModel {
  /** Names of edgetune functions added at load because the model used them without a definition. */
  readonly injected: string[];

  constructor(readonly proto: ModelProto, readonly file: string, readonly external?: MemoryExternalStore) {
    this.injected = ensureEdgetuneFunctions(proto, file);
    this.checkGraph();
  }

  static fromBytes(bytes: Uint8Array, file = '<bytes>', external?: MemoryExternalStore): OnnxModel {
    return new OnnxModel(decodeModel(bytes, file), file, external);
  }

  get graph(): GraphProto {
    return this.proto.graph!;
  }

  private checkGraph(): void {
    const names = new Set<string>();
    for (const t of this.graph.initializer) {
      const n = t.name ?? '';
      if (names.has(n)) throw new ModelFormatError(this.file, `duplicate initializer name '${n}'`);
      names.add(n);
    }
    const produced = new Set<string>();
    for (const nd of this.graph.node) {
      for (const o of nd.output) {
        if (o === '') continue;
        if (produced.has(o)) throw new ModelFormatError(this.file, `value '${o}' is produced by more than one node (node '${nd.name ?? ''}')`);
        produced.add(o);
      }
    }
  }

  get initializers(): TensorProto[] {
    return this.graph.initializer;
  }

  initializer(name: string): TensorProto {
    const t = this.graph.initializer.find((i) => i.name === name);
    if (!t) throw new InputError(`${this.file}: no initializer named '${name}'`);
    return t;
  }

  /**
   * The stored tensor behind a value name: an initializer, or the `value` of
   * the Constant node producing it (in the main graph or a subgraph), so
   * weights kept in Constant nodes are read and written where they are.
   */
  tensor(name: string): TensorProto {
    const t = findTensor(this.graph, name);
    if (!t) throw new InputError(`${this.file}: no initializer or Constant tensor named '${name}'`);
    return t;
  }

  hasInitializer(name: string): boolean {
    return this.graph.initializer.some((i) => i.name === name);
  }

  hasTensor(name: string): boolean {
    return findTensor(this.graph, name) !== undefined;
  }

  read(name: string): DecodedTensor {
    return readTensor(this.tensor(name), this.external, this.file);
  }

  /** An initializer's values as float32 (float32 tensors only). */
  readFloat(name: string): Float32Array {
    const t = this.read(name);
    if (t.dtype !== DataType.FLOAT) throw new InputError(`${this.file}: initializer '${name}' is ${dtypeName(t.dtype)}, not float32`);
    return t.data as Float32Array;
  }

  /** Replace a stored tensor's values (see `tensor`), keeping its name, dims, dtype and storage form. */
  write(name: string, data: TypedArray): void {
    writeTensor(this.tensor(name), data, this.external, this.file);
  }

  /** Graph inputs that are not initializers: what a caller must feed. */
  get inputs(): TensorSpec[] {
    const init = new Set(this.graph.initializer.map((t) => t.name));
    return this.graph.input.filter((v) => !init.has(v.name)).map(specOf);
  }

  get outputs(): TensorSpec[] {
    return this.graph.output.map(specOf);
  }

  /** The model as ONNX bytes, external data references kept. */
  toBytes(): Uint8Array {
    return encodeModel(this.proto);
  }

  /**
   * A self-contained copy for ONNX Runtime: external data inlined as raw_data,
   * the model's own functions inlined (see `inlined`), and Subsample calls
   * replaced by their standard-op form (AveragePool·n²·β + b), which ONNX
   * Runtime runs faster than the function body; the value names the rest of
   * the graph sees are unchanged. Initializers named in `omit` are left out
   * (never copied).
   */
  runtimeProto(omit?: ReadonlySet<string>): ModelProto {
    let copy: ModelProto;
    try {
      copy = this.inlined(omit);
    } catch (e) {
      // ONNX Runtime inlines functions itself; only the backward pass needs them expanded here.
      if (!(e instanceof UnsupportedError)) throw e;
      copy = cloneSharingData(withoutInitializers(this.proto, omit));
    }
    lowerEdgetuneOps(copy, this.file, { only: ['Subsample'] });
    const store = this.external;
    if (store) {
      const originals = new Map(this.graph.initializer.map((t) => [t.name, t]));
      for (const t of copy.graph!.initializer) {
        if (t.data_location !== 1) continue;
        const decoded = readTensor(originals.get(t.name)!, store, this.file);
        t.raw_data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
        t.external_data = [];
        delete t.data_location;
      }
    }
    return copy;
  }

  /**
   * A copy whose main graph has the model's own (non-edgetune) functions
   * inlined: the graph the backward pass walks. Value names are unchanged;
   * initializers named in `omit` are left out, the others' raw bytes shared
   * with this model (cloneSharingData).
   */
  inlined(omit?: ReadonlySet<string>): ModelProto {
    const copy = cloneSharingData(withoutInitializers(this.proto, omit));
    inlineLocalFunctions(copy);
    return copy;
  }

  clone(): OnnxModel {
    return new OnnxModel(cloneModel(this.proto), this.file, this.external?.clone());
  }
}

/** A shallow view of `proto` whose main graph lacks the initializers named in `omit` (the proto itself when none is), so that a copy need not copy them. */
function withoutInitializers(proto: ModelProto, omit: ReadonlySet<string> | undefined): ModelProto {
  if (!omit || omit.size === 0 || !proto.graph) return proto;
  return { ...proto, graph: { ...proto.graph, initializer: proto.graph.initializer.filter((t) => !omit.has(t.name ?? '')) } };
}
