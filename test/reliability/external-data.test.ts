/**
 * External data confinement and limits, beyond test/onnx/external-data.test.ts:
 * the size limit (default and configurable, per file and summed over files,
 * through loadModelFile and Model.load), declared ranges refused at load from
 * the metadata alone (before anything is read or allocated), and locations
 * that are not plain files: folder links leading out, link loops, FIFOs.
 * Every refusal is a ModelFormatError whose one-line message starts with the
 * model file and names the data file.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, ModelFormatError } from '../../src/errors.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { DEFAULT_MAX_EXTERNAL_BYTES } from '../../src/onnx/external-data.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { TensorProto } from '../../src/onnx/types.js';

const F = DataType.FLOAT;

function external(name: string, dims: number[], location: string, offset: number, length?: number): TensorProto {
  const t = floatTensor(name, dims, []);
  delete t.raw_data;
  t.data_location = 1;
  t.external_data = [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }];
  if (length !== undefined) t.external_data.push({ key: 'length', value: String(length) });
  return t;
}

/** y = x + A, z = x · B with A at (locA, offA) and B at (locB, offB), both float32 [4]. */
function twoTensorModel(locA: string, locB: string, offA = 0, offB = 0, dimsB = [4]): Uint8Array {
  const g = graph('g', [node('Add', ['x', 'A'], ['y']), node('Mul', ['x', 'B'], ['z'])],
    [valueInfo('x', F, [4])], [valueInfo('y', F, [4]), valueInfo('z', F, dimsB)],
    [external('A', [4], locA, offA), external('B', dimsB, locB, offB)]);
  return encodeModel(model(g));
}

const floats = (v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

async function refusal(p: Promise<unknown>): Promise<ModelFormatError> {
  let err: unknown;
  try { await p; } catch (e) { err = e; }
  expect(err, 'should be refused').toBeInstanceOf(ModelFormatError);
  const msg = (err as Error).message;
  expect(msg).not.toMatch(/\n/);
  return err as ModelFormatError;
}

describe('external data: limits and confinement', () => {
  let root: string;

  beforeAll(async () => { root = await mkdtemp(join(tmpdir(), 'edgetune-extrel-')); });
  afterAll(async () => { if (root) await rm(root, { recursive: true, force: true }); });

  /** A folder `name` holding model.onnx and the given data files. */
  async function place(name: string, bytes: Uint8Array, data: Record<string, Uint8Array> = {}): Promise<string> {
    const folder = join(root, name);
    await mkdir(folder, { recursive: true });
    for (const [f, b] of Object.entries(data)) await writeFile(join(folder, f), b);
    const file = join(folder, 'model.onnx');
    await writeFile(file, bytes);
    return file;
  }

  it('a file just under the limit loads and runs; one byte less of limit refuses it, naming model and data file', async () => {
    const data = new Uint8Array(64);
    data.set(floats([1, 2, 3, 4]), 0);
    data.set(floats([5, 6, 7, 8]), 32);
    const file = await place('exact', twoTensorModel('w.bin', 'w.bin', 0, 32), { 'w.bin': data });
    const m = await Model.load(file, { maxExternalBytes: 64 });
    try {
      const out = await m.run({ x: { dims: [4], data: Float32Array.from([1, 1, 1, 1]) } });
      expect(Array.from(out['y']!.data as Float32Array)).toEqual([2, 3, 4, 5]);
      expect(Array.from(out['z']!.data as Float32Array)).toEqual([5, 6, 7, 8]);
    } finally {
      await m.dispose();
    }
    const err = await refusal(Model.load(file, { maxExternalBytes: 63 }));
    expect(err.message.startsWith(`${file}: `)).toBe(true);
    expect(err.message).toMatch(/63-byte limit/);
    expect(err.message).toMatch(/'w\.bin' is 64 bytes/);
  });

  it('the limit is on the total over all data files, not per file', async () => {
    const file = await place('two-files', twoTensorModel('a.bin', 'b.bin'), { 'a.bin': floats([1, 2, 3, 4]), 'b.bin': floats([5, 6, 7, 8]) });
    expect(Array.from((await loadModelFile(file, { maxExternalBytes: 32 })).readFloat('B'))).toEqual([5, 6, 7, 8]);
    const err = await refusal(loadModelFile(file, { maxExternalBytes: 31 }));
    expect(err.message).toMatch(/31-byte limit.*'b\.bin'/);
  });

  it('a data file over the default limit is refused from its size alone, without reading it', async () => {
    // sparse: takes no disk space, but reading it would allocate over 4 GiB
    const file = await place('huge', twoTensorModel('big.bin', 'big.bin'));
    const h = await open(join(root, 'huge', 'big.bin'), 'w');
    await h.truncate(DEFAULT_MAX_EXTERNAL_BYTES + 1);
    await h.close();
    const rss = process.memoryUsage().rss;
    const t0 = performance.now();
    const err = await refusal(loadModelFile(file));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 ** 2);
    expect(err.message).toMatch(new RegExp(`${DEFAULT_MAX_EXTERNAL_BYTES}-byte limit`));
  });

  it('a limit that is not a number ≥ 0 is an InputError, not "no limit"', async () => {
    const file = await place('bad-limit', twoTensorModel('a.bin', 'a.bin', 0, 0), { 'a.bin': floats([1, 2, 3, 4]) });
    for (const bad of [Number.NaN, -1]) {
      await expect(loadModelFile(file, { maxExternalBytes: bad })).rejects.toBeInstanceOf(InputError);
    }
  });

  it('declared ranges past the end of the file are refused at load, before any tensor is read', async () => {
    const file = await place('past-end', twoTensorModel('w.bin', 'w.bin', 0, 8), { 'w.bin': floats([1, 2, 3, 4]) });
    const err = await refusal(loadModelFile(file));
    expect(err.message).toMatch(/initializer 'B'.*\[8, 24\) lies past the end of 'w\.bin' \(16 bytes\)/);
  });

  it('a shape of 2^31 floats over a 16-byte file is refused at load without allocating 8 GiB', async () => {
    const file = await place('huge-shape', twoTensorModel('w.bin', 'w.bin', 0, 0, [65536, 32768]), { 'w.bin': floats([1, 2, 3, 4]) });
    const rss = process.memoryUsage().rss;
    const err = await refusal(loadModelFile(file));
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 1024 ** 2);
    expect(err.message).toMatch(/initializer 'B'.*lies past the end of 'w\.bin'/);
  });

  it('an offset beyond 2^53 is refused as too large', async () => {
    const bytes = twoTensorModel('w.bin', 'w.bin');
    const file = await place('big-offset', bytes, { 'w.bin': floats([1, 2, 3, 4]) });
    const m = await loadModelFile(file);
    m.initializer('B').external_data[1]!.value = '99999999999999999999';
    expect(() => m.read('B')).toThrow(/external_data offset 99999999999999999999 is too large/);
    m.initializer('B').external_data[1]!.value = '0x10';
    expect(() => m.read('B')).toThrow(/'0x10' is not a non-negative integer/);
  });

  it('a linked folder inside the model folder that leads outside is refused', async () => {
    await mkdir(join(root, 'elsewhere'), { recursive: true });
    await writeFile(join(root, 'elsewhere', 'w.bin'), floats([1, 2, 3, 4]));
    const file = await place('dir-link', twoTensorModel('sub/w.bin', 'sub/w.bin'));
    await symlink(join(root, 'elsewhere'), join(root, 'dir-link', 'sub'));
    const err = await refusal(loadModelFile(file));
    expect(err.message).toMatch(/'sub\/w\.bin' links outside the model's folder/);
  });

  it('a link into a sibling folder whose name starts like the model folder is refused', async () => {
    // /x/model vs /x/model-evil: a prefix test without the separator would let this through
    await mkdir(join(root, 'pfx-evil'), { recursive: true });
    await writeFile(join(root, 'pfx-evil', 'w.bin'), floats([1, 2, 3, 4]));
    const file = await place('pfx', twoTensorModel('w.bin', 'w.bin'));
    await symlink(join(root, 'pfx-evil', 'w.bin'), join(root, 'pfx', 'w.bin'));
    const err = await refusal(loadModelFile(file));
    expect(err.message).toMatch(/links outside/);
  });

  it('a loop of links is refused as such', async () => {
    const file = await place('loop', twoTensorModel('a.bin', 'a.bin'));
    await symlink('b.bin', join(root, 'loop', 'a.bin'));
    await symlink('a.bin', join(root, 'loop', 'b.bin'));
    const err = await refusal(loadModelFile(file));
    expect(err.message).toMatch(/'a\.bin' is a loop of symbolic links/);
  });

  it('a FIFO in place of the data file is refused without blocking on it', async () => {
    const file = await place('fifo', twoTensorModel('w.bin', 'w.bin'));
    execFileSync('mkfifo', [join(root, 'fifo', 'w.bin')]);
    const t0 = performance.now();
    const err = await refusal(loadModelFile(file));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(err.message).toMatch(/'w\.bin' is not a regular file/);
  });

  it('a location holding a NUL character is refused as such', async () => {
    const err = await refusal(loadModelFile(await place('nul', twoTensorModel('w.bin\0../../etc/passwd', 'w.bin'))));
    expect(err.message).toMatch(/location contains a NUL character/);
  });

  it('the same absolute or climbing location is refused through Model.load (the inference path) too', async () => {
    await writeFile(join(root, 'outside.bin'), floats([1, 2, 3, 4]));
    for (const [name, loc] of [['abs', join(root, 'outside.bin')], ['climb', '../outside.bin'], ['climb2', 'a/./../../outside.bin']] as const) {
      const file = await place(name, twoTensorModel(loc, loc));
      const err = await refusal(Model.load(file));
      expect(err.message.startsWith(`${file}: initializer 'A'`)).toBe(true);
      expect(err.message).toContain(loc);
    }
  });
});
