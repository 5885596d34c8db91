/**
 * TypeScript views of the decoded ONNX messages. Decoded messages are
 * protobufjs message objects: int64 fields arrive as `Long` and fields that were
 * absent on the wire are not own properties (so re-encoding keeps presence).
 * Values we create may use plain numbers for int64 fields.
 */
import type Long from 'long';

export type Int64 = number | Long;

export interface StringStringEntry { key?: string; value?: string }

export interface OperatorSetId { domain?: string; version?: Int64 }

export interface TensorProto {
  dims: Int64[];
  data_type?: number;
  segment?: { begin?: Int64; end?: Int64 };
  float_data: number[];
  int32_data: number[];
  string_data: Uint8Array[];
  int64_data: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  double_data: number[];
  uint64_data: Int64[];
  doc_string?: string;
  external_data: StringStringEntry[];
  data_location?: number;
  metadata_props: StringStringEntry[];
}

export interface SparseTensorProto { values?: TensorProto; indices?: TensorProto; dims: Int64[] }

export interface Dimension { dim_value?: Int64; dim_param?: string; denotation?: string }
export interface TensorShape { dim: Dimension[] }

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShape };
  sequence_type?: { elem_type?: TypeProto };
  map_type?: { key_type?: number; value_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShape };
  opaque_type?: { domain?: string; name?: string };
  denotation?: string;
}

export interface ValueInfo { name?: string; type?: TypeProto; doc_string?: string; metadata_props: StringStringEntry[] }

export const AttributeType = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8,
  TENSORS: 9, GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

export interface Attribute {
  name?: string;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  doc_string?: string;
  tp?: TypeProto;
  type_protos: TypeProto[];
  type?: number;
  ref_attr_name?: string;
  sparse_tensor?: SparseTensorProto;
  sparse_tensors: SparseTensorProto[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  attribute: Attribute[];
  doc_string?: string;
  domain?: string;
  overload?: string;
  metadata_props: StringStringEntry[];
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  doc_string?: string;
  input: ValueInfo[];
  output: ValueInfo[];
  value_info: ValueInfo[];
  quantization_annotation: unknown[];
  sparse_initializer: SparseTensorProto[];
  metadata_props: StringStringEntry[];
}

export interface FunctionProto {
  name?: string;
  input: string[];
  output: string[];
  attribute: string[];
  node: NodeProto[];
  doc_string?: string;
  opset_import: OperatorSetId[];
  domain?: string;
  attribute_proto: Attribute[];
  value_info: ValueInfo[];
  overload?: string;
  metadata_props: StringStringEntry[];
}

export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initialization_binding: StringStringEntry[];
  update_binding: StringStringEntry[];
}

export interface ModelProto {
  ir_version?: Int64;
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: Int64;
  doc_string?: string;
  graph?: GraphProto;
  opset_import: OperatorSetId[];
  metadata_props: StringStringEntry[];
  training_info: TrainingInfoProto[];
  functions: FunctionProto[];
}

/** An int64 field as a JS number (exact up to 2^53). */
export function num(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}
