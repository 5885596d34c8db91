import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors } from '../../src/io/safetensors.js';
import { floatTensor, graph, int64Tensor, model, node, rawTensor, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { decodeModel } from '../../src/onnx/model-io.js';
import { LENET5, lines, runCli, tempFolder, writeModelFile } from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

function readSafetensorsFile(file: string) {
  return parseSafetensors(new Uint8Array(readFileSync(file)), file).tensors;
}

describe('edgetune export --format safetensors', () => {
  it('lenet5: every float initializer, names kept, values equal to the raw bytes in the .onnx', async () => {
    const out = tmp.file('lenet5.safetensors');
    const r = await runCli(['export', LENET5, '--format', 'safetensors', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`wrote 14 tensor(s) to ${out}`);
    const tensors = readSafetensorsFile(out);
    const proto = decodeModel(new Uint8Array(readFileSync(LENET5)), LENET5);
    const inits = proto.graph!.initializer;
    expect([...tensors.keys()].sort()).toEqual(inits.map((t) => t.name).sort());
    for (const t of inits) {
      const s = tensors.get(t.name!)!;
      expect(s.dtype).toBe('F32');
      expect(s.shape).toEqual(t.dims.map(Number));
      // lenet5.onnx stores every tensor in raw_data, little-endian float32
      const raw = t.raw_data!;
      const expected = new Float32Array(raw.slice().buffer);
      expect(Array.from(s.data as Float32Array)).toEqual(Array.from(expected));
    }
  });

  it('keeps awkward names verbatim, includes float64, leaves integer initializers out', async () => {
    const w = Float32Array.from([0.5, -1.25, 3, 1e-7, -0, 42]);
    const d = Float64Array.from([Math.PI, -Math.E]);
    const g = graph('mixed', [
      node('Reshape', ['X', 'shape:0'], ['r']),
      node('MatMul', ['r', 'dense/kernel:0'], ['Y']),
    ], [valueInfo('X', DataType.FLOAT, [2, 2])], [valueInfo('Y', DataType.FLOAT, [2, 3])], [
      floatTensor('dense/kernel:0', [2, 3], w),
      rawTensor('extra double', DataType.DOUBLE, [2], d),
      int64Tensor('shape:0', [2], [2, 2]),
    ]);
    const file = writeModelFile(tmp.file('mixed.onnx'), model(g));
    const out = tmp.file('mixed.safetensors');
    const r = await runCli(['export', file, '--format', 'safetensors', '--out', out]);
    expect(r.code).toBe(0);
    const tensors = readSafetensorsFile(out);
    expect([...tensors.keys()].sort()).toEqual(['dense/kernel:0', 'extra double']);
    expect(tensors.get('dense/kernel:0')).toEqual({ dtype: 'F32', shape: [2, 3], data: w });
    expect(tensors.get('extra double')).toEqual({ dtype: 'F64', shape: [2], data: d });
  });

  it('--format defaults to safetensors; other formats are usage errors; --out is required', async () => {
    const out = tmp.file('default.safetensors');
    expect((await runCli(['export', LENET5, '--out', out])).code).toBe(0);
    expect(readSafetensorsFile(out).size).toBe(14);

    const bad = tmp.file('x.npz');
    const r = await runCli(['export', LENET5, '--format', 'npz', '--out', bad]);
    expect(r.code).toBe(2);
    expect(lines(r.stderr)[0]).toMatch(/--format 'npz'/);
    expect(existsSync(bad)).toBe(false);

    const noOut = await runCli(['export', LENET5, '--format', 'safetensors']);
    expect(noOut.code).toBe(2);
    expect(lines(noOut.stderr)[0]).toMatch(/--out is required/);
  });
});
