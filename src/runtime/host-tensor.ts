/**
 * Tensors as plain data ({dims, data}) on the edgetune side, converted to and
 * from ONNX Runtime tensors at the session boundary.
 */
import { InputError } from '../errors.js';
import { DataType, dtypeName, type TypedArray } from '../onnx/dtypes.js';
import type { OrtModule, OrtTensor } from './backend.js';

export interface HostTensor {
  dims: readonly number[];
  data: TypedArray;
  /** ONNX Runtime type name, when the typed array alone is ambiguous (bool, float16) */
  type?: string;
}

const BY_CTOR: [Function, string, number][] = [
  [Float32Array, 'float32', DataType.FLOAT], [Float64Array, 'float64', DataType.DOUBLE],
  [Int32Array, 'int32', DataType.INT32], [BigInt64Array, 'int64', DataType.INT64],
  [Uint8Array, 'uint8', DataType.UINT8], [Int8Array, 'int8', DataType.INT8],
  [Uint16Array, 'uint16', DataType.UINT16], [Int16Array, 'int16', DataType.INT16],
  [Uint32Array, 'uint32', DataType.UINT32], [BigUint64Array, 'uint64', DataType.UINT64],
];

const ORT_CODE: Record<string, number> = {
  float32: DataType.FLOAT, float64: DataType.DOUBLE, int32: DataType.INT32, int64: DataType.INT64,
  uint8: DataType.UINT8, int8: DataType.INT8, uint16: DataType.UINT16, int16: DataType.INT16,
  uint32: DataType.UINT32, uint64: DataType.UINT64, bool: DataType.BOOL, float16: DataType.FLOAT16,
};

/** A HostTensor, or an ONNX Runtime tensor passed through as it is (possibly in GPU memory). */
export type Feed = HostTensor | OrtTensor;

/** Whether a feed is already an ONNX Runtime tensor (they carry a data location; HostTensors do not). */
export function isOrtTensor(t: Feed): t is OrtTensor {
  return 'location' in t;
}

export function ortTypeOf(t: Feed): string {
  if (t.type) return t.type;
  const hit = BY_CTOR.find(([c]) => t.data instanceof c);
  if (!hit) throw new InputError(`unsupported tensor data ${t.data.constructor.name}`);
  return hit[1];
}

export function elemTypeOf(t: Feed): number {
  return ORT_CODE[ortTypeOf(t)] ?? DataType.UNDEFINED;
}

/** The feed as an ONNX Runtime tensor: ORT tensors as they are, HostTensors wrapped over their data (no copy). */
export function toOrt(ort: OrtModule, t: Feed): OrtTensor {
  if (isOrtTensor(t)) return t;
  const type = ortTypeOf(t);
  return new ort.Tensor(type as 'float32', t.data as Float32Array, [...t.dims]);
}

/** An ONNX Runtime tensor in CPU memory as a HostTensor over the same data (no copy). */
export function fromOrt(t: OrtTensor): HostTensor {
  const out: HostTensor = { dims: [...t.dims], data: t.data as TypedArray };
  if (t.type === 'bool' || t.type === 'float16') out.type = t.type;
  return out;
}

export function describeTensor(t: { dims: readonly (number | string)[] | undefined }, elemType: number): string {
  return `${dtypeName(elemType)} [${t.dims ? t.dims.join(',') : '?'}]`;
}
