/**
 * File helpers for Node: reading with clear errors, and atomic writes (a
 * temporary file in the same folder, flushed, then renamed over the target),
 * so a crash or a full disk never leaves a half-written file under the
 * target's name.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileError } from '../errors.js';

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const codes: Record<string, string> = {
    ENOENT: 'no such file or folder', EACCES: 'permission denied', EROFS: 'read-only file system',
    ENOSPC: 'no space left on device', EISDIR: 'is a folder', ENOTDIR: 'a parent is not a folder', EDQUOT: 'disk quota exceeded',
    EPERM: 'operation not permitted', EEXIST: 'a file is in the way',
  };
  return (err.code && codes[err.code]) ?? (err.message ?? String(e)).split('\n')[0]!;
}

export async function readFileBytes(file: string, maxBytes = 8 * 1024 ** 3): Promise<Uint8Array> {
  try {
    const st = await fs.stat(file);
    if (st.isDirectory()) throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
    if (st.size > maxBytes) throw new FileError(file, `file is ${st.size} bytes, over the ${maxBytes}-byte limit`);
    return new Uint8Array(await fs.readFile(file));
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(file, `cannot read (${reason(e)})`);
  }
}

function tempName(file: string): string {
  return path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
}

/** Create a folder and its parents; failures become a FileError naming the folder. */
export async function makeFolder(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (e) {
    // a recursive mkdir may report ENOENT for a parent it could not create; one plain step says why
    let cause = e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const retried = await fs.mkdir(dir).then(() => true, (e2: unknown) => { cause = e2; return false; });
      if (retried) return;
    }
    throw new FileError(dir, `cannot create folder (${reason(cause)})`);
  }
}

/**
 * Check that `file` can be written atomically, by creating and removing an
 * empty temp file beside it, so a long job can refuse a read-only or missing
 * output folder before it starts rather than after it is done.
 */
export async function checkWritable(file: string): Promise<void> {
  const tmp = tempName(file);
  try {
    await (await fs.open(tmp, 'wx', 0o644)).close();
  } catch (e) {
    throw new FileError(file, `cannot write (${reason(e)})`);
  }
  await fs.rm(tmp, { force: true }).catch(() => undefined);
}

/** Write bytes atomically: temp file in the target's folder, fsync, rename. */
export async function writeFileAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = tempName(file);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'wx', 0o644);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, file);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new FileError(file, `cannot write (${reason(e)})`);
  }
}
