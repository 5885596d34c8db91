/**
 * File helpers for Node: reading with clear errors, and atomic writes (a
 * temporary file in the same folder, flushed, then renamed over the target),
 * so a crash or a full disk never leaves a half-written file under the
 * target's name.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileError } from '../errors.js';
function reason(e) {
    const err = e;
    const codes = {
        ENOENT: 'no such file or folder', EACCES: 'permission denied', EROFS: 'read-only file system',
        ENOSPC: 'no space left on device', EISDIR: 'is a folder', ENOTDIR: 'a parent is not a folder', EDQUOT: 'disk quota exceeded',
    };
    return (err.code && codes[err.code]) ?? (err.message ?? String(e)).split('\n')[0];
}
export async function readFileBytes(file, maxBytes = 8 * 1024 ** 3) {
    try {
        const st = await fs.stat(file);
        if (st.isDirectory())
            throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
        if (st.size > maxBytes)
            throw new FileError(file, `file is ${st.size} bytes, over the ${maxBytes}-byte limit`);
        return new Uint8Array(await fs.readFile(file));
    }
    catch (e) {
        if (e instanceof FileError)
            throw e;
        throw new FileError(file, `cannot read (${reason(e)})`);
    }
}
/** Write bytes atomically: temp file in the target's folder, fsync, rename. */
export async function writeFileAtomic(file, bytes) {
    const dir = path.dirname(path.resolve(file));
    const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
    let handle;
    try {
        handle = await fs.open(tmp, 'wx', 0o644);
        await handle.writeFile(bytes);
        await handle.sync();
        await handle.close();
        handle = undefined;
        await fs.rename(tmp, file);
    }
    catch (e) {
        if (handle)
            await handle.close().catch(() => undefined);
        await fs.rm(tmp, { force: true }).catch(() => undefined);
        throw new FileError(file, `cannot write (${reason(e)})`);
    }
}
