/**
 * Tensors as plain data ({dims, data}) on the edgetune side, converted to and
 * from ONNX Runtime tensors at the session boundary.
 */
import { InputError } from '../errors.js';
import { DataType, dtypeName } from '../onnx/dtypes.js';
const BY_CTOR = [
    [Float32Array, 'float32', DataType.FLOAT], [Float64Array, 'float64', DataType.DOUBLE],
    [Int32Array, 'int32', DataType.INT32], [BigInt64Array, 'int64', DataType.INT64],
    [Uint8Array, 'uint8', DataType.UINT8], [Int8Array, 'int8', DataType.INT8],
    [Uint16Array, 'uint16', DataType.UINT16], [Int16Array, 'int16', DataType.INT16],
    [Uint32Array, 'uint32', DataType.UINT32], [BigUint64Array, 'uint64', DataType.UINT64],
];
const ORT_CODE = {
    float32: DataType.FLOAT, float64: DataType.DOUBLE, int32: DataType.INT32, int64: DataType.INT64,
    uint8: DataType.UINT8, int8: DataType.INT8, uint16: DataType.UINT16, int16: DataType.INT16,
    uint32: DataType.UINT32, uint64: DataType.UINT64, bool: DataType.BOOL, float16: DataType.FLOAT16,
};
export function ortTypeOf(t) {
    if (t.type)
        return t.type;
    const hit = BY_CTOR.find(([c]) => t.data instanceof c);
    if (!hit)
        throw new InputError(`unsupported tensor data ${t.data.constructor.name}`);
    return hit[1];
}
export function elemTypeOf(t) {
    return ORT_CODE[ortTypeOf(t)] ?? DataType.UNDEFINED;
}
export function toOrt(ort, t) {
    const type = ortTypeOf(t);
    return new ort.Tensor(type, t.data, [...t.dims]);
}
export function fromOrt(t) {
    const out = { dims: [...t.dims], data: t.data };
    if (t.type === 'bool' || t.type === 'float16')
        out.type = t.type;
    return out;
}
export function describeTensor(t, elemType) {
    return `${dtypeName(elemType)} [${t.dims ? t.dims.join(',') : '?'}]`;
}
