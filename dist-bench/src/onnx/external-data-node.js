/**
 * Loading external data files from disk for a model file, with the checks
 * that keep a hostile model inside its own folder: every location is
 * relative, resolves (after following links) inside the model's folder, is a
 * regular file, the files together fit the configured limit, and every
 * tensor's declared range fits its file — all before the file is read.
 */
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InputError, ModelFormatError } from '../errors.js';
import { dtypeInfo } from './dtypes.js';
import { DEFAULT_MAX_EXTERNAL_BYTES, externalInfo, MemoryExternalStore } from './external-data.js';
import { elementCount, tensorDims } from './tensor-codec.js';
function code(e) {
    return e.code ?? (e instanceof Error ? e.message.split('\n')[0] : String(e));
}
/**
 * Refuse a tensor whose declared range [offset, offset + bytes of its shape)
 * does not fit a data file of `size` bytes, or whose declared length is not
 * the size of its shape — from the metadata alone, before the file is read.
 */
function checkRange(t, modelFile, size) {
    const where = `${modelFile}: initializer '${t.name ?? ''}'`;
    const info = externalInfo(t, modelFile);
    const dtype = dtypeInfo(t.data_type ?? 0);
    const bytes = dtype ? elementCount(tensorDims(t), where) * dtype.bytes * dtype.lanes : info.length;
    if (bytes === undefined)
        return;
    if (info.length !== undefined && info.length !== bytes) {
        throw new ModelFormatError(where, `external_data length ${info.length} does not match ${bytes} bytes of its shape`);
    }
    if (info.offset + bytes > size) {
        throw new ModelFormatError(where, `external data [${info.offset}, ${info.offset + bytes}) lies past the end of '${info.location}' (${size} bytes)`);
    }
}
/**
 * Read a checked data file through one descriptor: opened without following a
 * final link and without blocking (so a link or FIFO swapped in after the
 * checks is refused, not followed or waited on), then checked again on the
 * open descriptor and read to the size it had, never more than `budget`.
 */
async function readDataFile(real, location, where, budget, maxBytes, checkSize) {
    let handle;
    try {
        handle = await fs.open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
        const st = await handle.stat();
        if (!st.isFile())
            throw new ModelFormatError(where, `external data '${location}' is not a regular file`);
        if (st.size > budget)
            throw new ModelFormatError(where, `external data exceeds the ${maxBytes}-byte limit ('${location}' is ${st.size} bytes)`);
        checkSize(st.size);
        const buf = new Uint8Array(st.size);
        let at = 0;
        while (at < buf.length) {
            const { bytesRead } = await handle.read(buf, at, buf.length - at, at);
            if (bytesRead === 0)
                break;
            at += bytesRead;
        }
        return at === buf.length ? buf : buf.slice(0, at);
    }
    catch (e) {
        if (e instanceof ModelFormatError)
            throw e;
        throw new ModelFormatError(where, `external data file '${location}' cannot be read (${code(e)})`);
    }
    finally {
        await handle?.close().catch(() => undefined);
    }
}
export async function loadExternalStore(tensors, modelFile, maxBytes = DEFAULT_MAX_EXTERNAL_BYTES) {
    if (!(maxBytes >= 0))
        throw new InputError(`maxExternalBytes must be a number ≥ 0, got ${maxBytes}`);
    const external = tensors.filter((t) => t.data_location === 1);
    if (external.length === 0)
        return undefined;
    const dir = await fs.realpath(path.dirname(path.resolve(modelFile)));
    const byLocation = new Map();
    for (const t of external) {
        const location = externalInfo(t, modelFile).location;
        const users = byLocation.get(location);
        if (users)
            users.push(t);
        else
            byLocation.set(location, [t]);
    }
    const files = new Map();
    let total = 0;
    for (const [location, users] of byLocation) {
        const where = `${modelFile}: initializer '${users[0].name ?? ''}'`;
        const target = path.join(dir, ...location.split('/'));
        let real;
        try {
            real = await fs.realpath(target);
        }
        catch (e) {
            const why = code(e) === 'ENOENT' || code(e) === 'ENOTDIR' ? 'does not exist' : code(e) === 'ELOOP' ? 'is a loop of symbolic links' : `cannot be resolved (${code(e)})`;
            throw new ModelFormatError(where, `external data file '${location}' ${why}`);
        }
        if (real !== dir && !real.startsWith(dir + path.sep)) {
            throw new ModelFormatError(where, `external data file '${location}' links outside the model's folder`);
        }
        const bytes = await readDataFile(real, location, where, maxBytes - total, maxBytes, (size) => {
            for (const u of users)
                checkRange(u, modelFile, size);
        });
        total += bytes.byteLength;
        files.set(location, bytes);
    }
    return new MemoryExternalStore(files, modelFile);
}
