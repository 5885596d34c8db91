import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileError, ModelFormatError } from '../../src/errors.js';
import { Model } from '../../src/node/model.js';
import { loadModelFile } from '../../src/node/model-file.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { cloneModel, cloneSharingData, decodeModel, defaultOpset, encodeForRuntime, encodeModel } from '../../src/onnx/model-io.js';
import { readTensor, writeTensor } from '../../src/onnx/tensor-codec.js';
import { TensorProtoType } from '../../src/onnx/schema.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { randomBytes, randomFloats, seeded } from '../helpers/random.js';

const LENET5 = fileURLToPath(new URL('../../models/lenet5.onnx', import.meta.url));

function small(opts: { ir?: number; opsets?: ReturnType<typeof opset>[] } = {}): ModelProto {
  const g = graph('g', [node('Relu', ['x'], ['y'])], [valueInfo('x', 1, [2])], [valueInfo('y', 1, [2])], [floatTensor('unused', [1], [0])]);
  return model(g, { irVersion: opts.ir ?? 8, opsets: opts.opsets ?? [opset('', 17)] });
}

function formatError(fn: () => unknown): ModelFormatError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return e as ModelFormatError;
  }
  throw new Error('expected a ModelFormatError, nothing was thrown');
}

describe('decodeModel refuses what is not a usable ONNX model', () => {
  it('empty bytes', () => {
    const e = formatError(() => decodeModel(new Uint8Array(0), 'empty.onnx'));
    expect(e.message).toBe('empty.onnx: file is empty, not an ONNX model');
    expect(e.file).toBe('empty.onnx');
  });

  it('random bytes', () => {
    const rng = seeded(404);
    for (let i = 0; i < 20; i++) {
      const e = formatError(() => decodeModel(randomBytes(rng, 16 + i * 37), 'noise.bin'));
      expect(e.message).toMatch(/^noise\.bin: /);
      expect(e.message).not.toContain('\n');
    }
    expect(formatError(() => decodeModel(new TextEncoder().encode('{"not": "onnx"}'), 'x.json')).message).toMatch(/^x\.json: /);
  });

  it('a valid protobuf of another message type', () => {
    const tensor = TensorProtoType.encode(floatTensor('t', [2], [1, 2]) as unknown as Record<string, unknown>).finish();
    expect(formatError(() => decodeModel(tensor, 'tensor.pb')).message).toMatch(/^tensor\.pb: /);
  });

  it('a truncated model', async () => {
    const bytes = new Uint8Array(await readFile(LENET5));
    for (const cut of [1, 5, 100, bytes.length >> 1, bytes.length - 1]) {
      const e = formatError(() => decodeModel(bytes.subarray(0, cut), 'cut.onnx'));
      expect(e.message, `cut at ${cut}`).toMatch(/^cut\.onnx: /);
    }
  });

  it('IR versions 2 and 11', () => {
    expect(formatError(() => decodeModel(encodeModel(small({ ir: 2 })), 'ir2.onnx')).message)
      .toBe('ir2.onnx: IR version 2 is out of the supported range 3–10');
    expect(formatError(() => decodeModel(encodeModel(small({ ir: 11 })), 'ir11.onnx')).message)
      .toBe('ir11.onnx: IR version 11 is out of the supported range 3–10');
  });

  it('a model without ir_version', () => {
    const m = small();
    delete m.ir_version;
    expect(formatError(() => decodeModel(encodeModel(m), 'noir.onnx')).message).toMatch(/^noir\.onnx: .*no ir_version/);
  });

  it('opset 99, opset 6 and no default-domain opset', () => {
    expect(formatError(() => decodeModel(encodeModel(small({ opsets: [opset('', 99)] })), 'op99.onnx')).message)
      .toBe('op99.onnx: opset 99 is out of the supported range 7–23');
    expect(formatError(() => decodeModel(encodeModel(small({ opsets: [opset('', 6)] })), 'op6.onnx')).message).toMatch(/opset 6/);
    expect(formatError(() => decodeModel(encodeModel(small({ opsets: [opset('com.example', 1)] })), 'custom.onnx')).message)
      .toMatch(/^custom\.onnx: .*no default-domain opset/);
  });

  it('a model without a graph', () => {
    const m = small();
    delete m.graph;
    expect(formatError(() => decodeModel(encodeModel(m), 'nograph.onnx')).message).toBe('nograph.onnx: model has no graph');
  });

  it('accepts the edges of the supported ranges and the ai.onnx domain name', () => {
    for (const ir of [3, 10]) expect(() => decodeModel(encodeModel(small({ ir })))).not.toThrow();
    for (const v of [7, 23]) expect(defaultOpset(decodeModel(encodeModel(small({ opsets: [opset('', v)] }))))).toBe(v);
    expect(defaultOpset(decodeModel(encodeModel(small({ opsets: [opset('com.example', 1), opset('ai.onnx', 13)] }))))).toBe(13);
  });

  it('cloneModel is a deep copy', () => {
    const m = decodeModel(encodeModel(small()));
    const c = cloneModel(m);
    c.graph!.node[0]!.op_type = 'Sigmoid';
    expect(m.graph!.node[0]!.op_type).toBe('Relu');
    expect(Buffer.from(encodeModel(cloneModel(m))).equals(Buffer.from(encodeModel(m)))).toBe(true);
  });

  it('cloneSharingData copies all but the initializers\' raw bytes, and a write to the copy leaves the original', () => {
    const m = decodeModel(readFileSync(LENET5));
    const c = cloneSharingData(m);
    expect(Buffer.from(encodeModel(c)).equals(Buffer.from(encodeModel(m)))).toBe(true);
    const t = m.graph!.initializer.find((i) => (i.raw_data?.length ?? 0) > 0)!;
    const ct = c.graph!.initializer.find((i) => i.name === t.name)!;
    expect(ct).not.toBe(t);
    expect(ct.raw_data).toBe(t.raw_data);
    const before = readTensor(t).data.slice();
    writeTensor(ct, new Float32Array(before.length).fill(3));
    expect([...readTensor(t).data]).toEqual([...before]);
    expect(readTensor(ct).data[0]).toBe(3);
    c.graph!.node[0]!.op_type = 'Sigmoid';
    expect(m.graph!.node[0]!.op_type).not.toBe('Sigmoid');
  });
});

describe('loading files names the file in every error', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'edgetune-model-io-')); });
  afterAll(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  async function refused(name: string, bytes: Uint8Array, pattern: RegExp): Promise<void> {
    const file = join(dir, name);
    await writeFile(file, bytes);
    for (const load of [() => loadModelFile(file), () => Model.load(file)]) {
      let err: unknown;
      try { await load(); } catch (e) { err = e; }
      expect(err, name).toBeInstanceOf(ModelFormatError);
      expect((err as ModelFormatError).file).toBe(file);
      expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
      expect((err as Error).message).toMatch(pattern);
    }
  }

  it('empty, random, truncated, out-of-range and graphless files', async () => {
    await refused('empty.onnx', new Uint8Array(0), /file is empty/);
    await refused('random.onnx', randomBytes(seeded(7), 300), /./);
    const lenet = new Uint8Array(await readFile(LENET5));
    await refused('truncated.onnx', lenet.subarray(0, lenet.length >> 1), /not a valid ONNX model/);
    await refused('ir2.onnx', encodeModel(small({ ir: 2 })), /IR version 2/);
    await refused('ir11.onnx', encodeModel(small({ ir: 11 })), /IR version 11/);
    await refused('opset99.onnx', encodeModel(small({ opsets: [opset('', 99)] })), /opset 99/);
    const m = small();
    delete m.graph;
    await refused('nograph.onnx', encodeModel(m), /no graph/);
  });

  it('a missing file and a folder give a FileError naming the path', async () => {
    const missing = join(dir, 'missing.onnx');
    await expect(loadModelFile(missing)).rejects.toThrow(FileError);
    await expect(loadModelFile(missing)).rejects.toThrow(`${missing}: cannot read (no such file or folder)`);
    await expect(loadModelFile(dir)).rejects.toThrow(`${dir}: cannot read (is a folder)`);
  });

  it('a good file loads', async () => {
    const file = join(dir, 'good.onnx');
    await writeFile(file, encodeModel(small()));
    const m = await loadModelFile(file);
    expect(m.file).toBe(file);
    expect(m.inputs.map((i) => i.name)).toEqual(['x']);
  });
});

describe('encodeForRuntime', () => {
  /** x [2,C] → Gemm by W [C,C] (raw bytes large enough for the direct copy when C = 200) + b → y; `extra` a small initializer read too. */
  function gemmModel(c: number): ModelProto {
    const w = randomFloats(seeded(5), c * c, -0.5, 0.5);
    const g = graph('g', [node('Gemm', ['x', 'W', 'b'], ['h']), node('Mul', ['h', 'extra'], ['y'])], [valueInfo('x', 1, [2, c])], [valueInfo('y', 1, [2, c])],
      [floatTensor('W', [c, c], w), floatTensor('extra', [1], [1.5]), floatTensor('b', [c], Array.from({ length: c }, (_, i) => i / c))]);
    return model(g, { opsets: [opset('', 17)] });
  }

  it('gives the message encodeModel gives, large initializers last, and ONNX Runtime runs it to the same outputs', async () => {
    const m = gemmModel(200);
    const fast = decodeModel(encodeForRuntime(m));
    const plain = decodeModel(encodeModel(m));
    expect(fast.graph!.initializer.map((t) => t.name)).toEqual(['extra', 'b', 'W']);
    const byName = (p: ModelProto) => Object.fromEntries(p.graph!.initializer.map((t) => [t.name, Array.from(readTensor(t).data as Float32Array)]));
    expect(byName(fast)).toEqual(byName(plain));
    expect({ ...fast, graph: { ...fast.graph!, initializer: [] } }).toEqual({ ...plain, graph: { ...plain.graph!, initializer: [] } });
    const x = new ort.Tensor('float32', Float32Array.from({ length: 400 }, (_, i) => Math.sin(i)), [2, 200]);
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      try {
        return Array.from((await s.run({ x }))['y']!.data as Float32Array);
      } finally {
        await s.release();
      }
    };
    expect(await run(encodeForRuntime(m))).toEqual(await run(encodeModel(m)));
  });

  it('is encodeModel byte for byte where no initializer is large', () => {
    const m = gemmModel(20);
    expect(encodeForRuntime(m)).toEqual(encodeModel(m));
  });
});
