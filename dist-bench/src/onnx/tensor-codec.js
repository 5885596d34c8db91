/**
 * Reading and replacing the values of a TensorProto as typed arrays, from
 * whichever storage it uses: raw_data, the typed repeated fields, or external
 * data. Replacing keeps the tensor's name, dims, dtype and storage form.
 */
import Long from 'long';
import { ModelFormatError, UnsupportedError } from '../errors.js';
import { DataType, dtypeInfo, dtypeName } from './dtypes.js';
import { num } from './types.js';
/** Checked product of dims: throws on negative, non-integer or absurd shapes. */
export function elementCount(dims, where) {
    let n = 1;
    for (const d of dims) {
        if (!Number.isSafeInteger(d) || d < 0)
            throw new ModelFormatError(where, `invalid dimension ${d}`);
        n *= d;
        if (n > 2 ** 32)
            throw new ModelFormatError(where, `shape [${dims.join(',')}] is too large`);
    }
    return n;
}
export function tensorDims(t) {
    return t.dims.map((d) => num(d));
}
export function isExternal(t) {
    return t.data_location === 1;
}
function littleEndianCopy(bytes) {
    // Copy into a fresh, aligned buffer; every supported platform is little-endian like the format.
    const buf = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(buf).set(bytes);
    return buf;
}
function fromRaw(t, bytes, n, where) {
    const code = t.data_type ?? 0;
    const info = dtypeInfo(code);
    const want = n * info.bytes;
    if (bytes.byteLength !== want) {
        throw new ModelFormatError(where, `${dtypeName(code)} [${tensorDims(t).join(',')}] needs ${want} bytes, raw data has ${bytes.byteLength}`);
    }
    return info.fromBuffer(littleEndianCopy(bytes), 0, n);
}
function fromField(t, n, where) {
    const code = t.data_type ?? 0;
    const info = dtypeInfo(code);
    const src = t[info.field];
    const count = n * info.lanes;
    if (src.length !== count) {
        throw new ModelFormatError(where, `${dtypeName(code)} [${tensorDims(t).join(',')}] needs ${count} values, ${info.field} has ${src.length}`);
    }
    const out = info.make(n);
    if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
        for (let i = 0; i < count; i++) {
            const v = src[i];
            out[i] = typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
        }
    }
    else if (code === DataType.FLOAT16 || code === DataType.BFLOAT16) {
        for (let i = 0; i < count; i++)
            out[i] = Number(src[i]) & 0xffff;
    }
    else {
        for (let i = 0; i < count; i++) {
            const v = src[i];
            out[i] = typeof v === 'number' ? v : v.toNumber();
        }
    }
    return out;
}
/** The values of a tensor as a typed array (float16/bfloat16 as raw bit patterns). */
export function readTensor(t, external, file = '<model>') {
    const name = t.name ?? '';
    const where = `${file}: initializer '${name}'`;
    const code = t.data_type ?? 0;
    if (!dtypeInfo(code))
        throw new UnsupportedError(`${where}: ${dtypeName(code)} tensors are not supported`);
    const dims = tensorDims(t);
    const n = elementCount(dims, where);
    let data;
    if (isExternal(t)) {
        if (!external)
            throw new ModelFormatError(where, 'uses external data but the model was loaded from bytes without a folder');
        data = fromRaw(t, external.read(t, n * dtypeInfo(code).bytes), n, where);
    }
    else if (t.raw_data !== undefined && Object.prototype.hasOwnProperty.call(t, 'raw_data')) {
        data = fromRaw(t, t.raw_data, n, where);
    }
    else {
        data = fromField(t, n, where);
    }
    return { name, dtype: code, dims, data };
}
function toField(code, data) {
    const out = new Array(data.length);
    if (data instanceof BigInt64Array) {
        for (let i = 0; i < data.length; i++)
            out[i] = Long.fromString(data[i].toString(), false);
    }
    else if (data instanceof BigUint64Array) {
        for (let i = 0; i < data.length; i++)
            out[i] = Long.fromString(data[i].toString(), true);
    }
    else if (code === DataType.UINT32) {
        for (let i = 0; i < data.length; i++)
            out[i] = Long.fromNumber(data[i], true);
    }
    else {
        for (let i = 0; i < data.length; i++)
            out[i] = data[i];
    }
    return out;
}
/**
 * Replace a tensor's values in place, keeping its storage form: raw_data stays
 * raw_data, a typed field stays that field, external data is written through
 * the store. The new data must have the tensor's element count and type.
 */
export function writeTensor(t, data, external, file = '<model>') {
    const code = t.data_type ?? 0;
    const info = dtypeInfo(code);
    const where = `${file}: initializer '${t.name ?? ''}'`;
    if (!info)
        throw new UnsupportedError(`${where}: ${dtypeName(code)} tensors are not supported`);
    const n = elementCount(tensorDims(t), where);
    if (data.length !== n * info.lanes) {
        throw new ModelFormatError(where, `new values have ${data.length} elements, shape [${tensorDims(t).join(',')}] needs ${n * info.lanes}`);
    }
    const probe = info.make(0);
    if (probe.constructor !== data.constructor) {
        throw new ModelFormatError(where, `new values are a ${data.constructor.name}, ${dtypeName(code)} needs ${probe.constructor.name}`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
    if (isExternal(t)) {
        if (!external)
            throw new ModelFormatError(where, 'uses external data but no external store is attached');
        external.write(t, bytes);
    }
    else if (Object.prototype.hasOwnProperty.call(t, 'raw_data')) {
        t.raw_data = bytes;
    }
    else {
        t[info.field] = toField(code, data);
    }
}
