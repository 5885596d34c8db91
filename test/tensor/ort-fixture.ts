/**
 * Builds tiny single-node ONNX models in memory and runs them on ONNX Runtime,
 * so kernels can be checked against a reference implementation. Only the
 * handful of onnx.proto fields such a model needs are declared here (field
 * numbers as in onnx.proto).
 */
import protobuf from 'protobufjs';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '../../src/tensor/tensor.js';

const ONNX_SUBSET = `
syntax = "proto2";
package onnx;
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  repeated float floats = 7;
  repeated int64 ints = 8;
  optional int32 type = 20;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message ModelProto {
  optional int64 ir_version = 1;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

const ModelProto = protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');

const ELEM_FLOAT = 1;
const ELEM_INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

/** An attribute value: a plain number is INT, a number array is INTS; floats must be tagged. */
export type AttrValue = number | readonly number[] | { f: number } | { floats: readonly number[] };

export interface SingleNodeSpec {
  opType: string;
  /** Graph inputs fed at run time, in node-input order. */
  inputs: { name: string; dims: readonly number[] }[];
  /** Constant float inputs, appended to the node inputs after `inputs`. */
  initializers?: { name: string; tensor: Tensor }[];
  outputs: string[];
  /** Outputs declared int64 (e.g. MaxPool Indices); all others are float. */
  int64Outputs?: string[];
  attributes?: Record<string, AttrValue>;
  opset?: number;
}

function encodeAttribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: ATTR_INT, i: v };
  if (Array.isArray(v)) return { name, type: ATTR_INTS, ints: [...(v as readonly number[])] };
  if ('f' in (v as object)) return { name, type: ATTR_FLOAT, f: (v as { f: number }).f };
  return { name, type: ATTR_FLOATS, floats: [...(v as { floats: readonly number[] }).floats] };
}

function valueInfo(name: string, elemType: number, dims?: readonly number[]): Record<string, unknown> {
  const tensorType: Record<string, unknown> = { elem_type: elemType };
  if (dims) tensorType['shape'] = { dim: dims.map((d) => ({ dim_value: d })) };
  return { name, type: { tensor_type: tensorType } };
}

/** Serialises a one-node ONNX model (IR version 8, default opset 17). */
export function buildSingleNodeModel(spec: SingleNodeSpec): Uint8Array {
  const inits = spec.initializers ?? [];
  const node = {
    input: [...spec.inputs.map((i) => i.name), ...inits.map((i) => i.name)],
    output: spec.outputs,
    name: 'n0',
    op_type: spec.opType,
    domain: '',
    attribute: Object.entries(spec.attributes ?? {}).map(([k, v]) => encodeAttribute(k, v)),
  };
  const model = {
    ir_version: 8,
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'g',
      node: [node],
      initializer: inits.map((i) => ({
        name: i.name,
        dims: [...i.tensor.dims],
        data_type: ELEM_FLOAT,
        raw_data: new Uint8Array(i.tensor.data.buffer, i.tensor.data.byteOffset, i.tensor.data.byteLength),
      })),
      input: spec.inputs.map((i) => valueInfo(i.name, ELEM_FLOAT, i.dims)),
      output: spec.outputs.map((o) => valueInfo(o, spec.int64Outputs?.includes(o) ? ELEM_INT64 : ELEM_FLOAT)),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`ort-fixture: invalid model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/**
 * Runs a model on the CPU provider and returns its outputs as Tensors; int64
 * outputs are converted to float32 (exact for the small indices tests use).
 */
export async function runModel(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor('float32', t.data, [...t.dims]);
    const res = await session.run(ortFeeds);
    const out: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(res)) {
      const data = v.data instanceof BigInt64Array ? Float32Array.from(v.data, Number) : Float32Array.from(v.data as Float32Array);
      out[k] = { dims: v.dims.map(Number), data };
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Builds and runs a single-node model whose one output is named `y`. */
export async function runSingleNode(spec: Omit<SingleNodeSpec, 'outputs'>, feeds: Record<string, Tensor>): Promise<Tensor> {
  const res = await runModel(buildSingleNodeModel({ ...spec, outputs: ['y'] }), feeds);
  const y = res['y'];
  if (!y) throw new Error(`ort-fixture: ${spec.opType} produced no output y`);
  return y;
}
