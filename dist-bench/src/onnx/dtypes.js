/**
 * ONNX element types: their codes, names, byte widths, the typed array that
 * holds them, and which repeated TensorProto field carries them when they are
 * not in raw_data.
 */
export const DataType = {
    UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
    BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15,
    BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20,
    UINT4: 21, INT4: 22, FLOAT4E2M1: 23,
};
function info(name, bytes, field, Ctor, lanes = 1) {
    return { name, bytes, field, lanes, make: (n) => new Ctor(n * lanes), fromBuffer: (b, o, n) => new Ctor(b, o, n * lanes) };
}
const TABLE = {
    [DataType.FLOAT]: info('float32', 4, 'float_data', Float32Array),
    [DataType.UINT8]: info('uint8', 1, 'int32_data', Uint8Array),
    [DataType.INT8]: info('int8', 1, 'int32_data', Int8Array),
    [DataType.UINT16]: info('uint16', 2, 'int32_data', Uint16Array),
    [DataType.INT16]: info('int16', 2, 'int32_data', Int16Array),
    [DataType.INT32]: info('int32', 4, 'int32_data', Int32Array),
    [DataType.INT64]: info('int64', 8, 'int64_data', BigInt64Array),
    [DataType.BOOL]: info('bool', 1, 'int32_data', Uint8Array),
    [DataType.FLOAT16]: info('float16', 2, 'int32_data', Uint16Array),
    [DataType.DOUBLE]: info('float64', 8, 'double_data', Float64Array),
    [DataType.UINT32]: info('uint32', 4, 'uint64_data', Uint32Array),
    [DataType.UINT64]: info('uint64', 8, 'uint64_data', BigUint64Array),
    [DataType.COMPLEX64]: info('complex64', 8, 'float_data', Float32Array, 2),
    [DataType.COMPLEX128]: info('complex128', 16, 'double_data', Float64Array, 2),
    [DataType.BFLOAT16]: info('bfloat16', 2, 'int32_data', Uint16Array),
    [DataType.FLOAT8E4M3FN]: info('float8e4m3fn', 1, 'int32_data', Uint8Array),
    [DataType.FLOAT8E4M3FNUZ]: info('float8e4m3fnuz', 1, 'int32_data', Uint8Array),
    [DataType.FLOAT8E5M2]: info('float8e5m2', 1, 'int32_data', Uint8Array),
    [DataType.FLOAT8E5M2FNUZ]: info('float8e5m2fnuz', 1, 'int32_data', Uint8Array),
};
/** The element type's description, or undefined for strings, 4-bit and unknown codes. */
export function dtypeInfo(code) {
    return TABLE[code];
}
export function dtypeName(code) {
    if (code === undefined)
        return 'undefined';
    const entry = Object.entries(DataType).find(([, v]) => v === code);
    return TABLE[code]?.name ?? (entry ? entry[0].toLowerCase() : `dtype ${code}`);
}
/** The ONNX type string that onnxruntime's Tensor constructor takes. */
export function ortTypeName(code) {
    const map = {
        [DataType.FLOAT]: 'float32', [DataType.UINT8]: 'uint8', [DataType.INT8]: 'int8', [DataType.UINT16]: 'uint16',
        [DataType.INT16]: 'int16', [DataType.INT32]: 'int32', [DataType.INT64]: 'int64', [DataType.BOOL]: 'bool',
        [DataType.FLOAT16]: 'float16', [DataType.DOUBLE]: 'float64', [DataType.UINT32]: 'uint32', [DataType.UINT64]: 'uint64',
    };
    return map[code];
}
export function isFloatType(code) {
    return code === DataType.FLOAT || code === DataType.DOUBLE || code === DataType.FLOAT16 || code === DataType.BFLOAT16;
}
