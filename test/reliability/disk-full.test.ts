/**
 * Writing where it cannot be written: a read-only folder, a path whose parent
 * is a regular file, and a full disk. Every case ends in one clear line (a
 * FileError naming the path and the reason), leaves any old file at the
 * output path byte for byte as it was, leaves no temporary file behind, and
 * never touches the input — even when the input is the output (--in-place).
 *
 * Tests usually run as root, where chmod does not stop a write. A read-only
 * folder is then a read-only tmpfs when mounting is permitted, else /sys
 * (which refuses new files even to root). A full disk is a 16 KiB tmpfs when
 * mounting is permitted; the simulated full disk (a write that fails with
 * ENOSPC half way) runs everywhere.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { FileError } from '../../src/errors.js';
import { encodeNpy, writeNpy } from '../../src/io/npy.js';
import { loadModelFile, saveModel } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { saveCheckpoint } from '../../src/train/checkpoint.js';

const LENET5 = fileURLToPath(new URL('../../models/lenet5.onnx', import.meta.url));
const IS_ROOT = process.getuid?.() === 0;

/** Why a tmpfs cannot be mounted here, or undefined when it can. */
function tmpfsProblem(): string | undefined {
  if (process.platform !== 'linux') return `mounting a tmpfs needs Linux, this is ${process.platform}`;
  if (!IS_ROOT) return 'mounting a tmpfs needs root';
  const probe = mkdtempSync(join(tmpdir(), 'edgetune-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `mount -t tmpfs was refused (${String((e as Error).message).split('\n')[0]})`;
  } finally {
    rmdirSync(probe);
  }
}

const NO_TMPFS = tmpfsProblem();

/** x [N,4] → Gemm (3×4) → logits [N,3]: a model of about 200 bytes. */
function tinyNet(): Uint8Array {
  const g = graph('g', [node('Gemm', ['x', 'W', 'b'], ['logits'], { transB: 1 })],
    [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('logits', DataType.FLOAT, ['N', 3])],
    [floatTensor('W', [3, 4], [0.1, -0.2, 0.3, 0.05, 0, 0.2, -0.1, 0.1, 0.3, 0.1, 0, -0.3]), floatTensor('b', [3], [0, 0, 0])]);
  return new Uint8Array(encodeModel(model(g, { opsets: [opset('', 17)] })));
}

interface Cli { code: number; stderr: string; stdout: string }

async function cli(argv: string[]): Promise<Cli> {
  let stderr = '', stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { stderr += String(s); return true; });
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { stdout += String(s); return true; });
  try {
    return { code: await main(argv), stderr, stdout };
  } finally {
    vi.restoreAllMocks();
  }
}

/** Exit 1 and one line `edgetune <command>: <path>: <what> (<reason>)`. */
function expectOneLine(r: Cli, command: string, path: string, reason: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/^[^\n]*\n$/);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr.startsWith(`edgetune ${command}: ${path}: `), r.stderr).toBe(true);
  expect(r.stderr).toMatch(reason);
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('read-only output', () => {
  let work: string;
  let modelFile: string;
  let dataDir: string;
  let inputFile: string;
  /** a folder this process cannot create files in, and how it was made so */
  let ro: { dir: string; how: string; reason: RegExp; mounted: boolean };
  const modelBytes = tinyNet();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'edgetune-readonly-'));
    modelFile = join(work, 'model.onnx');
    await writeFile(modelFile, modelBytes);
    dataDir = join(work, 'data');
    await mkdir(dataDir);
    await writeNpy(join(dataDir, 'x.npy'), { dtype: 'float32', shape: [6, 4], data: Float32Array.from({ length: 24 }, (_, i) => (i % 7) / 7) });
    await writeNpy(join(dataDir, 'y.npy'), { dtype: 'int64', shape: [6], data: BigInt64Array.from([0n, 1n, 2n, 0n, 1n, 2n]) });
    inputFile = join(work, 'x.npy');
    await writeNpy(inputFile, { dtype: 'float32', shape: [1, 4], data: Float32Array.from([1, 2, 3, 4]) });
    if (!IS_ROOT) {
      const dir = join(work, 'ro');
      await mkdir(dir);
      await chmod(dir, 0o500);
      ro = { dir, how: 'chmod 0o500', reason: /cannot write \(permission denied\)/, mounted: false };
    } else if (NO_TMPFS === undefined) {
      const dir = join(work, 'ro');
      await mkdir(dir);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=16k', 'tmpfs', dir]);
      ro = { dir, how: 'read-only tmpfs', reason: /cannot write \(read-only file system\)/, mounted: true };
    } else {
      ro = { dir: '/sys', how: '/sys', reason: /cannot write \((permission denied|read-only file system)\)/, mounted: false };
    }
  });

  afterAll(async () => {
    if (ro?.mounted) execFileSync('umount', ['-l', ro.dir]);
    if (ro && !ro.mounted && ro.dir !== '/sys') await chmod(ro.dir, 0o700);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('finetune --out into it: one line before any training, the input untouched, nothing created', async () => {
    const before = await listing(ro.dir);
    const out = join(ro.dir, 'tuned.onnx');
    const r = await cli(['finetune', modelFile, '--data', dataDir, '--out', out, '--batch-size', '3']);
    expectOneLine(r, 'finetune', out, ro.reason);
    expect(r.stdout).toBe('');
    expect(Buffer.from(await readFile(modelFile)).equals(Buffer.from(modelBytes)), ro.how).toBe(true);
    expect(await listing(ro.dir)).toEqual(before);
  });

  it('infer --out <folder inside it>: one line naming the folder', async () => {
    const outDir = join(ro.dir, 'outputs');
    const r = await cli(['infer', modelFile, '--input', `x=${inputFile}`, '--out', outDir]);
    expectOneLine(r, 'infer', outDir, /cannot create folder \((permission denied|operation not permitted|read-only file system)\)/);
  });

  it('finetune --export-weights into it: one line before any training', async () => {
    const weights = join(ro.dir, 'w.safetensors');
    const r = await cli(['finetune', modelFile, '--data', dataDir, '--out', join(work, 'tuned.onnx'), '--export-weights', weights]);
    expectOneLine(r, 'finetune', weights, ro.reason);
    expect(r.stdout).toBe('');
    await expect(stat(join(work, 'tuned.onnx'))).rejects.toThrow();
  });

  it('export --out into it: one line', async () => {
    const out = join(ro.dir, 'w.safetensors');
    expectOneLine(await cli(['export', modelFile, '--out', out]), 'export', out, ro.reason);
  });

  it('a checkpoint folder inside it: a FileError naming the folder', async () => {
    const dir = join(ro.dir, 'ckpt');
    const err = await saveCheckpoint(dir, {
      step: 1, epoch: 0, batchInEpoch: 1, rngState: [1, 2, 3, 4], weights: new Map([['W', new Float32Array(4)]]), optimizer: new Map(), config: '{}',
    }, new Map([['W', [4]]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toMatch(new RegExp(`^${dir}: cannot create folder \\(`));
  });

  it('an output whose parent is a regular file: "a parent is not a folder"', async () => {
    const out = join(modelFile, 'tuned.onnx');
    const r = await cli(['finetune', modelFile, '--data', dataDir, '--out', out, '--batch-size', '3']);
    expectOneLine(r, 'finetune', out, /cannot write \(a parent is not a folder\)/);
    expect(Buffer.from(await readFile(modelFile)).equals(Buffer.from(modelBytes))).toBe(true);
  });
});

describe('full disk (simulated: every write fails half way with ENOSPC)', () => {
  let work: string;

  beforeAll(async () => { work = await mkdtemp(join(tmpdir(), 'edgetune-enospc-')); });
  afterAll(async () => { if (work) await rm(work, { recursive: true, force: true }); });

  /** Make FileHandle.writeFile write half its bytes, then fail as a full disk does. */
  async function failingWrites(): Promise<void> {
    const probe = await fsp.open(LENET5, 'r');
    const proto = Object.getPrototypeOf(probe) as { writeFile: (data: Uint8Array) => Promise<void>; write: (b: Uint8Array, o: number, n: number, p: number) => Promise<unknown> };
    await probe.close();
    vi.spyOn(proto, 'writeFile').mockImplementation(async function (this: typeof proto, data: Uint8Array) {
      await this.write(data, 0, Math.floor(data.byteLength / 2), 0);
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    });
  }

  it('saveModel and writeNpy: FileError, the old file intact, no temp file left', async () => {
    const m = await loadModelFile(LENET5);
    const out = join(work, 'tuned.onnx');
    const npy = join(work, 'x.npy');
    await writeFile(out, 'old model');
    await writeFile(npy, 'old array');
    await failingWrites();
    try {
      const e1 = await saveModel(m, out).catch((e: unknown) => e);
      const e2 = await writeNpy(npy, { dtype: 'float32', shape: [2], data: new Float32Array(2) }).catch((e: unknown) => e);
      for (const [e, file] of [[e1, out], [e2, npy]] as const) {
        expect(e).toBeInstanceOf(FileError);
        expect((e as Error).message).toBe(`${file}: cannot write (no space left on device)`);
      }
    } finally {
      vi.restoreAllMocks();
    }
    expect(await readFile(out, 'utf8')).toBe('old model');
    expect(await readFile(npy, 'utf8')).toBe('old array');
    expect(await listing(work)).toEqual(['tuned.onnx', 'x.npy']);
  });
});

describe.runIf(NO_TMPFS === undefined)(`full disk (a real 16 KiB tmpfs)${NO_TMPFS ? ` — not run here: ${NO_TMPFS}` : ''}`, () => {
  let work: string;
  let full: string;
  let dataDir: string;
  const modelBytes = tinyNet();

  /** Fill the tmpfs page by page until it refuses more. */
  async function fill(dir: string): Promise<void> {
    const h = await fsp.open(join(dir, 'filler'), 'w');
    try {
      for (let i = 0; i < 64; i++) await h.write(new Uint8Array(4096));
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await h.close();
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'edgetune-full-'));
    full = join(work, 'full');
    await mkdir(full);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', full]);
    dataDir = join(work, 'data');
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'x.npy'), encodeNpy({ dtype: 'float32', shape: [6, 4], data: Float32Array.from({ length: 24 }, (_, i) => (i % 5) / 5) }));
    await writeFile(join(dataDir, 'y.npy'), encodeNpy({ dtype: 'int64', shape: [6], data: BigInt64Array.from([0n, 1n, 2n, 2n, 1n, 0n]) }));
  });

  afterAll(async () => {
    if (full) execFileSync('umount', ['-l', full]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('saveModel of a 240 KB model: no space left, the old file intact, no temp file left', async () => {
    const out = join(full, 'lenet5.onnx');
    await writeFile(out, 'old');
    const err = await saveModel(await loadModelFile(LENET5), out).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as Error).message).toBe(`${out}: cannot write (no space left on device)`);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect(await listing(full)).toEqual(['lenet5.onnx']);
    await rm(out);
  });

  it('finetune --in-place on a full disk: one line, and the model it could not replace is untouched', async () => {
    const modelFile = join(full, 'model.onnx');
    await writeFile(modelFile, modelBytes);
    await fill(full);
    const r = await cli(['finetune', modelFile, '--data', dataDir, '--in-place', '--batch-size', '3']);
    expectOneLine(r, 'finetune', modelFile, /cannot write \(no space left on device\)/);
    expect(Buffer.from(await readFile(modelFile)).equals(Buffer.from(modelBytes))).toBe(true);
    expect(await listing(full)).toEqual(['filler', 'model.onnx']);
    expect((await stat(modelFile)).size).toBe(modelBytes.length);
  });

  it('finetune with its checkpoints on a full disk: one line naming the checkpoint, no output written', async () => {
    const out = join(work, 'tuned.onnx');
    const ckpt = join(full, 'ckpt');
    const r = await cli(['finetune', join(full, 'model.onnx'), '--data', dataDir, '--out', out, '--batch-size', '3', '--checkpoint-dir', ckpt, '--checkpoint-every', '1']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^edgetune finetune: [^\n]*ckpt[^\n]*: cannot (write|create folder) \(no space left on device\)\n$/);
    await expect(stat(out)).rejects.toThrow();
  });
});
