/**
 * Small constructors for ONNX messages, used by the model builders, the
 * edgetune op domain and the tests. Everything made here encodes with the
 * schema in schema.ts.
 */
import { AttributeType, type Attribute, type FunctionProto, type GraphProto, type ModelProto, type NodeProto, type OperatorSetId, type TensorProto, type TypeProto, type ValueInfo } from './types.js';
import Long from 'long';
import { UnsupportedError } from '../errors.js';
import { DataType, dtypeInfo, dtypeName, type TypedArray } from './dtypes.js';

export type AttrValue = number | string | number[] | string[] | TensorProto | { ref: string; type: 'int' | 'ints' | 'float' | 'floats' | 'string' } | { float: number } | { floats: number[] } | { graph: GraphProto };

function emptyAttr(name: string): Attribute {
  return { name, floats: [], ints: [], strings: [], tensors: [], graphs: [], type_protos: [], sparse_tensors: [] };
}

const enc = new TextEncoder();

/** An attribute; integers become INT(S), other numbers FLOAT(S); `{float: 1}` forces a float. */
export function attr(name: string, v: AttrValue): Attribute {
  const a = emptyAttr(name);
  if (typeof v === 'number') {
    if (Number.isInteger(v)) { a.type = AttributeType.INT; a.i = v; } else { a.type = AttributeType.FLOAT; a.f = v; }
  } else if (typeof v === 'string') {
    a.type = AttributeType.STRING; a.s = enc.encode(v);
  } else if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') { a.type = AttributeType.STRINGS; a.strings = (v as string[]).map((s) => enc.encode(s)); }
    else if ((v as number[]).every((x) => Number.isInteger(x))) { a.type = AttributeType.INTS; a.ints = v as number[]; }
    else { a.type = AttributeType.FLOATS; a.floats = v as number[]; }
  } else if ('ref' in v) {
    const types = { int: AttributeType.INT, ints: AttributeType.INTS, float: AttributeType.FLOAT, floats: AttributeType.FLOATS, string: AttributeType.STRING };
    a.type = types[v.type]; a.ref_attr_name = v.ref;
  } else if ('float' in v) {
    a.type = AttributeType.FLOAT; a.f = v.float;
  } else if ('floats' in v) {
    a.type = AttributeType.FLOATS; a.floats = v.floats;
  } else if ('graph' in v) {
    a.type = AttributeType.GRAPH; a.g = v.graph;
  } else {
    a.type = AttributeType.TENSOR; a.t = v;
  }
  return a;
}

export function node(
  opType: string, inputs: string[], outputs: string[],
  attrs: Record<string, AttrValue> = {}, opts: { name?: string; domain?: string } = {},
): NodeProto {
  const n: NodeProto = {
    input: inputs, output: outputs, op_type: opType,
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)), metadata_props: [],
  };
  if (opts.name !== undefined) n.name = opts.name;
  if (opts.domain !== undefined) n.domain = opts.domain;
  return n;
}

function emptyTensor(name: string, dtype: number, dims: number[]): TensorProto {
  return {
    name, data_type: dtype, dims, float_data: [], int32_data: [], string_data: [], int64_data: [],
    double_data: [], uint64_data: [], external_data: [], metadata_props: [],
  };
}

/** A tensor stored in raw_data (the form most exporters use). */
export function rawTensor(name: string, dtype: number, dims: number[], data: TypedArray): TensorProto {
  const t = emptyTensor(name, dtype, dims);
  t.raw_data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return t;
}

export function floatTensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  return rawTensor(name, DataType.FLOAT, dims, Float32Array.from(data));
}

export function int64Tensor(name: string, dims: number[], data: ArrayLike<number>): TensorProto {
  return rawTensor(name, DataType.INT64, dims, BigInt64Array.from(Array.from(data, (v) => BigInt(v))));
}

/** A tensor stored in its typed repeated field instead of raw_data. */
export function fieldTensor(name: string, dtype: number, dims: number[], values: (number | bigint)[]): TensorProto {
  const t = emptyTensor(name, dtype, dims);
  const info = dtypeInfo(dtype);
  if (!info) throw new UnsupportedError(`fieldTensor: ${dtypeName(dtype)} has no typed field`);
  const wide = info.field === 'int64_data' || info.field === 'uint64_data';
  (t as unknown as Record<string, unknown>)[info.field] = values.map((v) => (wide ? Long.fromString(v.toString(), info.field === 'uint64_data') : Number(v)));
  return t;
}

export function tensorType(elemType: number, dims: (number | string)[] | undefined): TypeProto {
  const tt: NonNullable<TypeProto['tensor_type']> = { elem_type: elemType };
  if (dims) tt.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) };
  return { tensor_type: tt };
}

export function valueInfo(name: string, elemType: number, dims?: (number | string)[]): ValueInfo {
  return { name, type: tensorType(elemType, dims), metadata_props: [] };
}

export function graph(
  name: string, nodes: NodeProto[], inputs: ValueInfo[], outputs: ValueInfo[], initializers: TensorProto[] = [],
): GraphProto {
  return {
    name, node: nodes, input: inputs, output: outputs, initializer: initializers, value_info: [],
    quantization_annotation: [], sparse_initializer: [], metadata_props: [],
  };
}

export function opset(domain: string, version: number): OperatorSetId {
  return { domain, version };
}

export function model(g: GraphProto, opts: { irVersion?: number; opsets?: OperatorSetId[]; functions?: FunctionProto[]; producer?: string } = {}): ModelProto {
  return {
    ir_version: opts.irVersion ?? 8,
    producer_name: opts.producer ?? 'edgetune',
    graph: g,
    opset_import: opts.opsets ?? [opset('', 17)],
    metadata_props: [],
    training_info: [],
    functions: opts.functions ?? [],
  };
}

export function fn(
  domain: string, name: string, inputs: string[], outputs: string[], nodes: NodeProto[],
  attributes: string[], opsets: OperatorSetId[], doc?: string,
): FunctionProto {
  const f: FunctionProto = {
    name, domain, input: inputs, output: outputs, node: nodes, attribute: attributes, opset_import: opsets,
    attribute_proto: [], value_info: [], metadata_props: [],
  };
  if (doc !== undefined) f.doc_string = doc;
  return f;
}
