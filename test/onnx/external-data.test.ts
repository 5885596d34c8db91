import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, ModelFormatError } from '../../src/errors.js';
import { OnnxModel } from '../../src/model.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile, saveModel, serialize } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { confineLocation, MemoryExternalStore } from '../../src/onnx/external-data.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { TensorProto } from '../../src/onnx/types.js';

const F = DataType.FLOAT;
const W1 = [1.5, -2, 3.25, 0, 7, -0.5];
const W2 = [10, 20, 30, 40];
const C = [2, 2, 2, 2];

function externalTensor(name: string, dims: number[], location: string, offset: number | undefined, length: number | undefined): TensorProto {
  const t = floatTensor(name, dims, []);
  delete t.raw_data;
  t.data_location = 1;
  t.external_data = [{ key: 'location', value: location }];
  if (offset !== undefined) t.external_data.push({ key: 'offset', value: String(offset) });
  if (length !== undefined) t.external_data.push({ key: 'length', value: String(length) });
  return t;
}

/** y1 = x + W1 [2,3]; y2 = W2 · c [4]; W1 at offset 0 and W2 at offset 64 of `location`, c inline. */
function modelBytes(location = 'weights.bin', w2: { offset?: number; length?: number } = { offset: 64, length: 16 }): Uint8Array {
  const g = graph('g', [node('Add', ['x', 'W1'], ['y1']), node('Mul', ['W2', 'c'], ['y2'])],
    [valueInfo('x', F, [2, 3])], [valueInfo('y1', F, [2, 3]), valueInfo('y2', F, [4])],
    [externalTensor('W1', [2, 3], location, 0, 24), externalTensor('W2', [4], location, w2.offset, w2.length), floatTensor('c', [4], C)]);
  return encodeModel(model(g));
}

/** 64 bytes of W1 (24 used), then W2 (16), then 8 trailing bytes. */
function weightsFile(): Uint8Array {
  const out = new Uint8Array(64 + 16 + 8).fill(0xee);
  out.set(new Uint8Array(Float32Array.from(W1).buffer), 0);
  out.set(new Uint8Array(Float32Array.from(W2).buffer), 64);
  return out;
}

/** Load the model and read every initializer (size checks may happen at either step). */
async function loadAndReadAll(file: string): Promise<void> {
  const m = await loadModelFile(file);
  for (const t of m.initializers) m.read(t.name!);
}

async function expectRefused(file: string, pattern: RegExp): Promise<void> {
  let err: unknown;
  try { await loadAndReadAll(file); } catch (e) { err = e; }
  expect(err, `${file} should be refused`).toBeInstanceOf(ModelFormatError);
  const message = (err as Error).message;
  expect(message.startsWith(`${file}: `), message).toBe(true);
  expect(message).toMatch(pattern);
}

describe('external data', () => {
  let dir: string;
  let good: string;
  const weights = weightsFile();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgetune-external-'));
    await mkdir(join(dir, 'good'));
    good = join(dir, 'good', 'model.onnx');
    await writeFile(good, modelBytes());
    await writeFile(join(dir, 'good', 'weights.bin'), weights);
  });

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads two tensors from one file at their offsets', async () => {
    const m = await loadModelFile(good);
    expect(Array.from(m.readFloat('W1'))).toEqual(W1);
    expect(Array.from(m.readFloat('W2'))).toEqual(W2);
    expect(Array.from(m.readFloat('c'))).toEqual(C);
    expect(m.external).toBeInstanceOf(MemoryExternalStore);
    expect([...m.external!.files.keys()]).toEqual(['weights.bin']);
  });

  it('runs in ONNX Runtime with the external values inlined', async () => {
    const m = await Model.load(good);
    try {
      const out = await m.run({ x: { dims: [2, 3], data: new Float32Array([1, 1, 1, 1, 1, 1]) } });
      expect(Array.from(out['y1']!.data as Float32Array)).toEqual(W1.map((v) => v + 1));
      expect(Array.from(out['y2']!.data as Float32Array)).toEqual(W2.map((v) => v * 2));
      // the model itself still refers to its data file
      expect(m.onnx.initializer('W1').data_location).toBe(1);
    } finally {
      await m.dispose();
    }
  });

  it('saveModel writes <name>.data beside the new file and leaves the source data file alone', async () => {
    const m = await loadModelFile(good);
    m.write('W1', new Float32Array([6, 5, 4, 3, 2, 1]));
    await mkdir(join(dir, 'out'), { recursive: true });
    const out = join(dir, 'out', 'tuned.onnx');
    await saveModel(m, out);
    expect(Buffer.from(await readFile(join(dir, 'good', 'weights.bin'))).equals(Buffer.from(weights))).toBe(true);
    const data = await readFile(join(dir, 'out', 'tuned.onnx.data'));
    const saved = await loadModelFile(out);
    expect(saved.initializer('W1').external_data.find((e) => e.key === 'location')!.value).toBe('tuned.onnx.data');
    expect(Array.from(saved.readFloat('W1'))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(Array.from(saved.readFloat('W2'))).toEqual(W2);
    expect(Array.from(saved.readFloat('c'))).toEqual(C);
    // W2 starts on a 64-byte boundary after W1's 24 bytes
    const offset = Number(saved.initializer('W2').external_data.find((e) => e.key === 'offset')!.value);
    expect(offset).toBe(64);
    expect(data.byteLength).toBe(64 + 16);
    expect(Array.from(new Float32Array(data.buffer.slice(data.byteOffset + 64, data.byteOffset + 80)))).toEqual(W2);
  });

  it('saveModel in the source folder under a new name also leaves the source data file alone', async () => {
    const m = await loadModelFile(good);
    m.write('W2', new Float32Array([0, 0, 0, 1]));
    const copy = join(dir, 'good', 'copy.onnx');
    await saveModel(m, copy);
    expect(Buffer.from(await readFile(join(dir, 'good', 'weights.bin'))).equals(Buffer.from(weights))).toBe(true);
    expect(Array.from((await loadModelFile(copy)).readFloat('W2'))).toEqual([0, 0, 0, 1]);
    expect(Array.from((await loadModelFile(good)).readFloat('W2'))).toEqual(W2);
  });

  it('saveModel refuses to overwrite the source unless in place', async () => {
    const m = await loadModelFile(good);
    await expect(saveModel(m, good)).rejects.toThrow(FileError);
    await expect(saveModel(m, good)).rejects.toThrow(/model\.onnx: is the input model/);
  });

  it('serialize keeps a model without external data as it is', () => {
    const g = graph('g', [node('Neg', ['x'], ['y'])], [valueInfo('x', F, [1])], [valueInfo('y', F, [1])], [floatTensor('w', [1], [1])]);
    const bytes = encodeModel(model(g));
    const out = serialize(OnnxModel.fromBytes(bytes), '/tmp/any.onnx');
    expect(out.data).toBeUndefined();
    expect(Buffer.from(out.model).equals(Buffer.from(bytes))).toBe(true);
  });

  describe('refused locations and sizes', () => {
    async function place(name: string, bytes: Uint8Array, data: Record<string, Uint8Array> = {}): Promise<string> {
      const folder = join(dir, name);
      await mkdir(folder, { recursive: true });
      for (const [f, b] of Object.entries(data)) await writeFile(join(folder, f), b);
      const file = join(folder, 'model.onnx');
      await writeFile(file, bytes);
      return file;
    }

    it('an absolute location', async () => {
      const file = await place('absolute', modelBytes(join(dir, 'good', 'weights.bin')));
      await expectRefused(file, /'\/.*weights\.bin' is not a relative path/);
    });

    it('a location that climbs out with ..', async () => {
      await writeFile(join(dir, 'x.bin'), weights);
      const file = await place('dotdot', modelBytes('../x.bin'));
      await expectRefused(file, /'\.\.\/x\.bin' escapes the model's folder/);
      const nested = await place('dotdot2', modelBytes('sub/../../x.bin'));
      await expectRefused(nested, /escapes the model's folder/);
    });

    it('a backslash or drive-letter location', async () => {
      await expectRefused(await place('backslash', modelBytes('..\\x.bin')), /not a relative path/);
      await expectRefused(await place('drive', modelBytes('C:/x.bin')), /not a relative path/);
    });

    it('a symlink inside the folder that points outside it', async () => {
      await mkdir(join(dir, 'outside'), { recursive: true });
      await writeFile(join(dir, 'outside', 'secret.bin'), weights);
      const file = await place('symlink', modelBytes('link.bin'));
      await symlink(join(dir, 'outside', 'secret.bin'), join(dir, 'symlink', 'link.bin'));
      await expectRefused(file, /'link\.bin' links outside the model's folder/);
    });

    it('a symlink that stays inside the folder is fine', async () => {
      const file = await place('symlink-in', modelBytes('link.bin'), { 'real.bin': weights });
      await symlink(join(dir, 'symlink-in', 'real.bin'), join(dir, 'symlink-in', 'link.bin'));
      expect(Array.from((await loadModelFile(file)).readFloat('W2'))).toEqual(W2);
    });

    it('a missing data file and a folder in its place', async () => {
      await expectRefused(await place('missing', modelBytes('nowhere.bin')), /'nowhere\.bin' does not exist/);
      const file = await place('folder', modelBytes('weights.bin'));
      await mkdir(join(dir, 'folder', 'weights.bin'));
      await expectRefused(file, /'weights\.bin' is not a regular file/);
    });

    it('offset + length past the end of the file', async () => {
      const file = await place('past-end', modelBytes('weights.bin', { offset: 80, length: 16 }), { 'weights.bin': weights });
      await expectRefused(file, /weights\.bin/);
      await expectRefused(file, /past the end/);
    });

    it('a declared length that does not match the shape', async () => {
      const file = await place('length', modelBytes('weights.bin', { offset: 64, length: 12 }), { 'weights.bin': weights });
      await expectRefused(file, /initializer 'W2'.*length 12 does not match 16 bytes/);
    });

    it('offsets that are not integers', async () => {
      const bytes = modelBytes();
      const file = await place('bad-offset', bytes, { 'weights.bin': weights });
      const m = await loadModelFile(file);
      m.initializer('W2').external_data[1]!.value = '-4';
      expect(() => m.read('W2')).toThrow(/external_data offset '-4' is not a non-negative integer/);
    });

    it('more external data than the limit', async () => {
      let err: unknown;
      try { await loadModelFile(good, { maxExternalBytes: 50 }); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ModelFormatError);
      expect((err as Error).message).toMatch(/50-byte limit/);
    });
  });

  it('confineLocation normalises harmless forms', () => {
    expect(confineLocation('./a//b.bin', 'x')).toBe('a/b.bin');
    expect(() => confineLocation('', 'x')).toThrow(/empty/);
    expect(() => confineLocation('.', 'x')).toThrow(/escapes/);
  });
});
