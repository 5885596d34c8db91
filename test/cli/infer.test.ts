import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy } from '../../src/io/npy.js';
import {
  argmax, bareSubsample, f32, floats, LENET5, ortRun, runCli, tempFolder, twoHeads, writeModelFile, writeNpyFile,
} from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

function readNpyFile(file: string) {
  return parseNpy(new Uint8Array(readFileSync(file)), file);
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('edgetune infer', () => {
  it('lenet5: writes <out>/logits.npy equal to onnxruntime-node on the same input, prints shape and argmax', async () => {
    const n = 3;
    const x = floats(101, n * 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('digits.npy'), f32([n, 1, 28, 28], x));
    const out = tmp.file('lenet-out');
    const r = await runCli(['infer', LENET5, '--input', `input=${xFile}`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual(['logits.npy']);
    const y = readNpyFile(`${out}/logits.npy`);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([n, 10]);
    const ref = (await ortRun(LENET5, { input: { dims: [n, 1, 28, 28], data: x } }))['logits']!;
    expect(ref.dims).toEqual([n, 10]);
    expectClose(y.data as Float32Array, ref.data, 1e-5);
    expect(r.stdout).toMatch(/logits: float32 \[3,10\]/);
    expect(r.stdout).toContain(`argmax per row: ${argmax(ref.data, n, 10).join(' ')}`);
  });

  it('--json reports every output with shape, file and argmax', async () => {
    const x = floats(102, 2 * 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('digits2.npy'), f32([2, 1, 28, 28], x));
    const r = await runCli(['infer', LENET5, '--input', `input=${xFile}`, '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, { shape: number[]; file: string | null; argmax: number[] }>;
    const ref = (await ortRun(LENET5, { input: { dims: [2, 1, 28, 28], data: x } }))['logits']!;
    expect(report).toEqual({ logits: { shape: [2, 10], file: null, argmax: argmax(ref.data, 2, 10) } });
  });

  it('writes every output of a two-output model', async () => {
    const { proto } = twoHeads();
    const file = writeModelFile(tmp.file('two-heads.onnx'), proto);
    const x = floats(103, 4 * 4);
    const xFile = writeNpyFile(tmp.file('x4.npy'), f32([4, 4], x));
    const out = tmp.file('two-out');
    const r = await runCli(['infer', file, '--input', `X=${xFile}`, '--out', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['first.npy', 'second.npy']);
    const ref = await ortRun(file, { X: { dims: [4, 4], data: x } });
    for (const name of ['first', 'second'] as const) {
      const y = readNpyFile(`${out}/${name}.npy`);
      expect(y.shape).toEqual(ref[name]!.dims);
      expectClose(y.data as Float32Array, ref[name]!.data, 1e-6);
    }
  });

  it('a bare file (no name=) feeds the only input', async () => {
    const x = floats(104, 28 * 28, 0, 1);
    const xFile = writeNpyFile(tmp.file('one.npy'), f32([1, 1, 28, 28], x));
    const r = await runCli(['infer', LENET5, '--input', xFile, '--json']);
    expect(r.code).toBe(0);
    const ref = (await ortRun(LENET5, { input: { dims: [1, 1, 28, 28], data: x } }))['logits']!;
    expect((JSON.parse(r.stdout) as { logits: { argmax: number[] } }).logits.argmax).toEqual(argmax(ref.data, 1, 10));
  });

  it('runs a model that uses edgetune ops without their function definitions', async () => {
    const beta = new Float32Array([0.5, -2]);
    const bias = new Float32Array([1, 0.25]);
    const file = writeModelFile(tmp.file('bare-subsample.onnx'), bareSubsample(2, beta, bias));
    // X: 1×2×4×4, map c holds c·100 + 0..15 in row order
    const x = Float32Array.from({ length: 32 }, (_, i) => Math.floor(i / 16) * 100 + (i % 16));
    const xFile = writeNpyFile(tmp.file('maps.npy'), f32([1, 2, 4, 4], x));
    const out = tmp.file('bare-out');
    const r = await runCli(['infer', file, '--input', `X=${xFile}`, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const y = readNpyFile(`${out}/Y.npy`);
    expect(y.shape).toEqual([1, 2, 2, 2]);
    // 2×2 block sums of 0..15 as 4×4: [0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15] = [10, 18, 42, 50];
    // map 1 adds 4·100 to each block.
    const sums = [10, 18, 42, 50];
    const expected = [...sums.map((s) => 0.5 * s + 1), ...sums.map((s) => -2 * (s + 400) + 0.25)];
    expectClose(y.data as Float32Array, expected, 1e-4);
    expect(r.stdout).toMatch(/Y: float32 \[1,2,2,2\]/);
  });
});
