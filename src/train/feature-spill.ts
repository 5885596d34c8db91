/**
 * The feature cache's spill file in Node: a file in a fresh folder under the
 * system's temporary directory, appended in row order, read back by byte
 * range, and deleted with its folder on dispose.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileError } from '../errors.js';
import type { SpillFactory, SpillFile } from './feature-cache.js';

export function tempFileSpill(dir: string = tmpdir()): SpillFactory {
  return async (): Promise<SpillFile> => {
    const folder = await mkdtemp(path.join(dir, 'edgetune-features-'));
    const file = path.join(folder, 'features.bin');
    const fh = await open(file, 'w+');
    let size = 0;
    return {
      path: file,
      async append(data: Uint8Array): Promise<void> {
        for (let done = 0; done < data.length;) {
          const { bytesWritten } = await fh.write(data, done, data.length - done, size + done);
          done += bytesWritten;
        }
        size += data.length;
      },
      async read(offset: number, length: number): Promise<Uint8Array> {
        if (offset < 0 || offset + length > size) throw new FileError(file, `read of bytes ${offset}..${offset + length} is outside the ${size} written`);
        const buf = new Uint8Array(length);
        for (let got = 0; got < length;) {
          const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
          if (bytesRead === 0) throw new FileError(file, `ended at byte ${offset + got} of a read up to ${offset + length}`);
          got += bytesRead;
        }
        return buf;
      },
      async dispose(): Promise<void> {
        try {
          await fh.close();
        } finally {
          await rm(folder, { recursive: true, force: true });
        }
      },
    };
  };
}
