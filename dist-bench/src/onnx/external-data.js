/**
 * External tensor data (TensorProto.external_data: location, offset, length).
 * Locations are confined to the model's folder: absolute paths, drive letters,
 * `..` segments and backslashes are refused before any file is touched. File
 * contents live in memory once loaded, so the same store serves Node and the
 * browser (where the caller supplies the files).
 */
import { ModelFormatError } from '../errors.js';
/** Default cap on external data a model may declare (bytes). */
export const DEFAULT_MAX_EXTERNAL_BYTES = 4 * 1024 ** 3;
function parseCount(value, key, where) {
    if (value === undefined)
        return undefined;
    if (!/^\d+$/.test(value))
        throw new ModelFormatError(where, `external_data ${key} '${value}' is not a non-negative integer`);
    const n = Number(value);
    if (!Number.isSafeInteger(n))
        throw new ModelFormatError(where, `external_data ${key} ${value} is too large`);
    return n;
}
/** Check that a location stays inside the model's folder; returns it normalised with '/'. */
export function confineLocation(location, where) {
    if (location === '')
        throw new ModelFormatError(where, 'external_data location is empty');
    if (location.includes('\0'))
        throw new ModelFormatError(where, 'external_data location contains a NUL character');
    if (location.includes('\\') || location.startsWith('/') || /^[A-Za-z]:/.test(location)) {
        throw new ModelFormatError(where, `external_data location '${location}' is not a relative path inside the model's folder`);
    }
    const parts = location.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.some((p) => p === '..') || parts.length === 0) {
        throw new ModelFormatError(where, `external_data location '${location}' escapes the model's folder`);
    }
    return parts.join('/');
}
export function externalInfo(t, file) {
    const where = `${file}: initializer '${t.name ?? ''}'`;
    const kv = new Map();
    for (const e of t.external_data)
        kv.set(e.key ?? '', e.value ?? '');
    const location = kv.get('location');
    if (location === undefined)
        throw new ModelFormatError(where, 'external_data has no location');
    return {
        location: confineLocation(location, where),
        offset: parseCount(kv.get('offset'), 'offset', where) ?? 0,
        length: parseCount(kv.get('length'), 'length', where),
    };
}
/** The distinct external locations a list of tensors refers to. */
export function externalLocations(tensors, file) {
    const seen = new Set();
    for (const t of tensors)
        if (t.data_location === 1)
            seen.add(externalInfo(t, file).location);
    return [...seen];
}
/** An in-memory store over the contents of the external files, keyed by location. */
export class MemoryExternalStore {
    files;
    file;
    constructor(files, file = '<model>') {
        this.files = files;
        this.file = file;
    }
    locate(t, byteLength) {
        const info = externalInfo(t, this.file);
        const where = `${this.file}: initializer '${t.name ?? ''}'`;
        const buf = this.files.get(info.location);
        if (!buf)
            throw new ModelFormatError(where, `external data file '${info.location}' is missing`);
        if (info.length !== undefined && info.length !== byteLength) {
            throw new ModelFormatError(where, `external_data length ${info.length} does not match ${byteLength} bytes of its shape`);
        }
        if (info.offset + byteLength > buf.byteLength) {
            throw new ModelFormatError(where, `external data [${info.offset}, ${info.offset + byteLength}) lies past the end of '${info.location}' (${buf.byteLength} bytes)`);
        }
        return { info, buf };
    }
    read(t, byteLength) {
        const { info, buf } = this.locate(t, byteLength);
        return buf.subarray(info.offset, info.offset + byteLength);
    }
    write(t, bytes) {
        const { info, buf } = this.locate(t, bytes.byteLength);
        buf.set(bytes, info.offset);
    }
    clone() {
        return new MemoryExternalStore(new Map([...this.files].map(([k, v]) => [k, v.slice()])), this.file);
    }
}
