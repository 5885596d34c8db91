import { afterAll, describe, expect, it } from 'vitest';
import { bareSubsample, LENET5, runCli, tempFolder, writeModelFile } from './run-cli.js';

const tmp = tempFolder();
afterAll(() => tmp.remove());

interface Description {
  file: string;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  inputs: { name: string; dtype: string; shape: (number | string)[] | null }[];
  outputs: { name: string; dtype: string; shape: (number | string)[] | null }[];
  nodes: number;
  ops: Record<string, number>;
  initializers: { name: string; dtype: string; shape: number[]; size: number }[];
  parameters: number;
  functions: { domain: string; name: string; injected: boolean }[];
}

/** LeNet-5's initializers as models/lenet5.ts lays them out. */
const LENET5_INITS: [string, number[]][] = [
  ['C1.weight', [6, 1, 5, 5]], ['C1.bias', [6]], ['S2.beta', [6]], ['S2.bias', [6]],
  ['C3.weight', [16, 6, 5, 5]], ['C3.bias', [16]], ['S4.beta', [16]], ['S4.bias', [16]],
  ['C5.weight', [120, 16, 5, 5]], ['C5.bias', [120]], ['F6.weight', [84, 120]], ['F6.bias', [84]],
  ['OUT.weight', [10, 84]], ['OUT.bias', [10]],
];

describe('edgetune inspect --json', () => {
  it('describes lenet5.onnx: IR, opsets, inputs/outputs, op histogram, initializers, custom ops', async () => {
    const r = await runCli(['inspect', LENET5, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const d = JSON.parse(r.stdout) as Description;
    expect(d.file).toBe(LENET5);
    expect(d.irVersion).toBe(9);
    expect(d.opsets).toEqual(expect.arrayContaining([{ domain: 'ai.onnx', version: 17 }, { domain: 'edgetune', version: 1 }]));
    expect(d.inputs).toEqual([{ name: 'input', dtype: 'float32', shape: ['N', 1, 28, 28] }]);
    expect(d.outputs).toEqual([{ name: 'logits', dtype: 'float32', shape: ['N', 10] }]);
    expect(d.nodes).toBe(14);
    expect(d.ops).toEqual({ Tanh: 6, Conv: 2, 'edgetune.Subsample': 2, 'edgetune.TableConv': 1, Flatten: 1, Gemm: 2 });
    expect(d.initializers.map((t) => [t.name, t.shape])).toEqual(LENET5_INITS);
    for (const t of d.initializers) {
      expect(t.dtype).toBe('float32');
      expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
    }
    // 150+6+6+6 + 2400+16+16+16 + 48000+120 + 10080+84 + 840+10 (C3 stored dense)
    expect(d.parameters).toBe(61750);
    const custom = d.functions.filter((f) => f.domain === 'edgetune').map((f) => f.name);
    expect(custom).toEqual(expect.arrayContaining(['Subsample', 'TableConv']));
    expect(d.functions.every((f) => !f.injected)).toBe(true);
  });

  it('marks edgetune ops whose definitions were added at load', async () => {
    const file = writeModelFile(tmp.file('bare.onnx'), bareSubsample(2, new Float32Array([1, 1]), new Float32Array([0, 0])));
    const r = await runCli(['inspect', file, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as Description;
    expect(d.ops).toEqual({ 'edgetune.Subsample': 1 });
    expect(d.functions).toContainEqual({ domain: 'edgetune', name: 'Subsample', injected: true });
    expect(d.inputs).toEqual([{ name: 'X', dtype: 'float32', shape: ['N', 2, 'H', 'W'] }]);
    expect(d.initializers).toEqual([
      expect.objectContaining({ name: 'beta', dtype: 'float32', shape: [2], size: 2 }),
      expect.objectContaining({ name: 'bias', dtype: 'float32', shape: [2], size: 2 }),
    ]);
  });
});

describe('edgetune inspect (text)', () => {
  it('prints the same facts for people', async () => {
    const r = await runCli(['inspect', LENET5]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('IR version 9');
    expect(out).toMatch(/opsets: .*ai\.onnx 17/);
    expect(out).toMatch(/opsets: .*edgetune 1/);
    expect(out).toMatch(/input: float32 \[N,1,28,28\]/);
    expect(out).toMatch(/logits: float32 \[N,10\]/);
    expect(out).toMatch(/Tanh×6/);
    expect(out).toMatch(/edgetune\.TableConv×1/);
    expect(out).toMatch(/C5\.weight\s+float32\s+\[120,16,5,5\]\s+48000/);
    expect(out).toMatch(/custom ops/);
    expect(out).toMatch(/edgetune\.Subsample/);
  });
});
