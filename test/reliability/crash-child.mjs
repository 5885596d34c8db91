/**
 * The process the crash-safety test kills: the compiled command line, with
 * every FileHandle.writeFile slowed down and announced, so that a kill can be
 * aimed into the middle of a write instead of landing between writes by luck.
 *
 * usage: node crash-child.mjs <compiled main.js> <edgetune argv...>
 *
 * Before each write it prints `@write <bytes>` on stdout (a pipe, written
 * synchronously on Linux, so the line is out before the first byte is); the
 * bytes then go out in 512-byte pieces with a millisecond between them.
 */
import { promises as fs } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CHUNK = 512;

const probe = await fs.open(process.execPath, 'r');
const proto = Object.getPrototypeOf(probe);
await probe.close();

proto.writeFile = async function slowWriteFile(data) {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  process.stdout.write(`@write ${bytes.byteLength}\n`);
  for (let at = 0; at < bytes.byteLength; at += CHUNK) {
    const n = Math.min(CHUNK, bytes.byteLength - at);
    let done = 0;
    while (done < n) {
      const { bytesWritten } = await this.write(bytes, at + done, n - done, at + done);
      done += bytesWritten;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
};

const [mainPath, ...argv] = process.argv.slice(2);
const { main } = await import(pathToFileURL(mainPath).href);
process.exitCode = await main(argv);
