/**
 * Hostile input data through the command line (infer's --input files,
 * finetune's --data folders): decompression-bomb PNGs in an image folder,
 * oversized .npy headers and declared shapes, and names that carry line
 * breaks or terminal escapes. The parsers' own cases live in test/io; here
 * the point is what reaches the user: exit status 1 and exactly one line on
 * stderr naming the file, within bounded time and memory.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { encodeNpy } from '../../src/io/npy.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';

/** x [N,1,8,8] → Conv 3×3 (1→2) → Relu → Flatten → Gemm (72→3). */
function convNet(): Uint8Array {
  const g = graph('g', [
    node('Conv', ['x', 'W', 'b'], ['c'], { kernel_shape: [3, 3] }),
    node('Relu', ['c'], ['a']),
    node('Flatten', ['a'], ['f'], { axis: 1 }),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 8, 8])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W', [2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => (i % 5) / 10 - 0.2)), floatTensor('b', [2], [0, 0.1]),
    floatTensor('W2', [3, 72], Array.from({ length: 216 }, (_, i) => ((i * 7) % 11) / 50 - 0.1)), floatTensor('b2', [3], [0, 0, 0]),
  ]);
  return encodeModel(model(g, { opsets: [opset('', 17)] }));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (the PNG polynomial 0xEDB88320), bit-reflected, initial and final XOR 0xFFFFFFFF. */
function crc32(b: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of b) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit grayscale PNG whose IHDR says width×height and whose IDAT is `idat`, with valid CRCs. */
function png(width: number, height: number, idat: Uint8Array, interlaced: boolean): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[12] = interlaced ? 1 : 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** 64 MiB of zero bytes deflated (about 64 KiB): the payload of the bombs. */
const BOMB = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });

/** A good 8×8 gray PNG. */
function goodPng(): Uint8Array {
  const p = new PNG({ width: 8, height: 8 });
  p.data.fill(200);
  return PNG.sync.write(p);
}

/** A .npy v2.0 prefix declaring a header of `headerLen` bytes, followed by `follow` bytes. */
function npyWithHeaderLength(headerLen: number, follow: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(12 + follow.length);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
  new DataView(b.buffer).setUint32(8, headerLen, true);
  b.set(follow, 12);
  return b;
}

/** A .npy v1.0 whose header is `dict` as written, with no data after it. */
function npyWithHeader(dict: string): Uint8Array {
  const text = new TextEncoder().encode(dict + '\n');
  const b = new Uint8Array(10 + text.length);
  b.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(b.buffer).setUint16(8, text.length, true);
  b.set(text, 10);
  return b;
}

interface CliResult { code: number; stderr: string; ms: number; rssGrowth: number }

describe('hostile data through the command line', () => {
  let root: string;
  let modelFile: string;
  let stderr = '';

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'edgetune-hostile-'));
    modelFile = join(root, 'net.onnx');
    await writeFile(modelFile, convNet());
  });

  afterAll(async () => { if (root) await rm(root, { recursive: true, force: true }); });
  afterEach(() => { vi.restoreAllMocks(); });

  async function cli(argv: string[]): Promise<CliResult> {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    const code = await main(argv);
    const ms = performance.now() - t0;
    vi.restoreAllMocks();
    return { code, stderr, ms, rssGrowth: process.memoryUsage().rss - rss };
  }

  /** Exit 1, one line on stderr, prefixed by the command, naming `file`, quickly and without a large allocation. */
  function expectOneLine(r: CliResult, command: string, file: string, pattern: RegExp): void {
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.endsWith('\n')).toBe(true);
    const line = r.stderr.slice(0, -1);
    expect(line, 'exactly one line').not.toMatch(/[\n\r]/);
    expect(line).not.toMatch(/internal error/);
    expect(line.startsWith(`edgetune ${command}: `), line).toBe(true);
    expect(line).toContain(file);
    expect(line).toMatch(pattern);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.rssGrowth).toBeLessThan(256 * 1024 ** 2);
  }

  async function imageFolder(name: string, bad: Uint8Array): Promise<{ dir: string; file: string }> {
    const dir = join(root, name);
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, 'b'), { recursive: true });
    await writeFile(join(dir, 'a', '0.png'), goodPng());
    await writeFile(join(dir, 'b', 'bomb.png'), bad);
    return { dir, file: join(dir, 'b', 'bomb.png') };
  }

  it('the clean setup works: finetune on a good image folder succeeds', async () => {
    const dir = join(root, 'good');
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, 'b'), { recursive: true });
    await writeFile(join(dir, 'a', '0.png'), goodPng());
    await writeFile(join(dir, 'b', '0.png'), goodPng());
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'good.onnx'), '--batch-size', '2']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('an interlaced PNG declaring 1×1 pixels whose data inflates to 64 MiB is refused before inflating it', async () => {
    const { dir, file } = await imageFolder('bomb-interlaced', png(1, 1, BOMB, true));
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'never.onnx')]);
    expectOneLine(r, 'finetune', file, /PNG image data inflates to more than the \d+ bytes a 1x1 image can hold/);
  });

  it('a plain PNG declaring 1×1 pixels with the same payload is refused by the decoder, without the 64 MiB', async () => {
    const { dir, file } = await imageFolder('bomb-plain', png(1, 1, BOMB, false));
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'never.onnx')]);
    expectOneLine(r, 'finetune', file, /could not decode PNG/);
  });

  it('a PNG declaring 50000×50000 pixels is refused from its header before any decoding', async () => {
    const { dir, file } = await imageFolder('bomb-header', png(50_000, 50_000, BOMB, false));
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'never.onnx')]);
    expectOneLine(r, 'finetune', file, /50000x50000 = 2500000000 pixels, over the limit/);
  });

  it('a .npy header length of 4 GiB through infer is refused before reading the header', async () => {
    const file = join(root, 'huge-header.npy');
    await writeFile(file, npyWithHeaderLength(0xffffffff, new Uint8Array(64)));
    const r = await cli(['infer', modelFile, '--input', `x=${file}`]);
    expectOneLine(r, 'infer', file, /header of 4294967295 bytes exceeds the 1048576-byte limit/);
  });

  it('a real 1 MiB + 1 .npy header through infer is refused by size', async () => {
    const file = join(root, 'big-header.npy');
    const follow = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    await writeFile(file, npyWithHeaderLength(follow.length, follow));
    const r = await cli(['infer', modelFile, '--input', `x=${file}`]);
    expectOneLine(r, 'infer', file, /exceeds the 1048576-byte limit/);
  });

  it('a .npy declaring 2^52 or 2^80 float32 values with no data through infer is refused without allocating', async () => {
    const file = join(root, 'huge-shape.npy');
    await writeFile(file, npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (4503599627370496,), }"));
    let r = await cli(['infer', modelFile, '--input', `x=${file}`]);
    expectOneLine(r, 'infer', file, /declares shape \(4503599627370496,\) float32 = 18014398509481984 bytes but 0 bytes follow/);
    await writeFile(file, npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }"));
    r = await cli(['infer', modelFile, '--input', `x=${file}`]);
    expectOneLine(r, 'infer', file, /= over 2\^64 bytes but 0 bytes follow/);
  });

  it('a .npy of the wrong dtype for the model input is an InputError line naming the input', async () => {
    // float64 is converted for a float32 input (as --data does); an integer array is refused
    const file = join(root, 'i32.npy');
    await writeFile(file, encodeNpy({ dtype: 'int32', shape: [1, 1, 8, 8], data: new Int32Array(64) }));
    const r = await cli(['infer', modelFile, '--input', `x=${file}`]);
    expectOneLine(r, 'infer', modelFile, /input 'x' expects float32 \[N,1,8,8\], got int32 \[1,1,8,8\]/);
  });

  it('a hostile x.npy in a finetune --data folder is one line naming x.npy', async () => {
    const dir = join(root, 'npy-dir');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'x.npy'), npyWithHeaderLength(0x7fffffff));
    await writeFile(join(dir, 'y.npy'), encodeNpy({ dtype: 'int64', shape: [1], data: new BigInt64Array(1) }));
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'never.onnx')]);
    expectOneLine(r, 'finetune', join(dir, 'x.npy'), /exceeds the 1048576-byte limit/);
  });

  it('a line break in an --input name stays on one line, escaped', async () => {
    const file = join(root, 'ok.npy');
    await writeFile(file, encodeNpy({ dtype: 'float32', shape: [1, 1, 8, 8], data: new Float32Array(64) }));
    const r = await cli(['infer', modelFile, '--input', `x=${file}`, '--input', `x\nforged line=${file}`]);
    expectOneLine(r, 'infer', modelFile, /no input 'x\\nforged line'/);
  });

  it('a terminal escape sequence in a class folder name is printed escaped', async () => {
    const dir = join(root, 'escape');
    const evil = '\u001b]0;pwned\u0007\u001b[2J';
    await mkdir(join(dir, 'a'), { recursive: true });
    await mkdir(join(dir, evil), { recursive: true });
    await writeFile(join(dir, 'a', '0.png'), goodPng());
    await writeFile(join(dir, evil, '0.png'), new Uint8Array([1, 2, 3]));
    const r = await cli(['finetune', modelFile, '--data', dir, '--out', join(root, 'never.onnx')]);
    expect(r.stderr).not.toContain('\u001b');
    expectOneLine(r, 'finetune', join(dir, '\\u001b]0;pwned\\u0007\\u001b[2J', '0.png'), /not a PNG or JPEG image/);
  });
});
