import { afterAll, describe, expect, it } from 'vitest';
import { bareSubsample, f32, LENET5, runCli, tempFolder, writeModelFile, writeNpyFile } from './run-cli.js';
import type { TrainingReport } from '../../src/grad/training-report.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';

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

describe('edgetune inspect: the training section', () => {
  /** Constant-stored conv weight, two convs sharing one zero bias, an op without a rule before the head. */
  function trainingModelFile(): string {
    const zeros = (n: number) => new Array<number>(n).fill(0);
    const ramp = (n: number) => Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 10);
    const g = graph('report', [
      node('Constant', [], ['W1'], { value: floatTensor('', [2, 1, 3, 3], ramp(18)) }, { name: 'W1_const' }),
      node('Conv', ['x', 'W1', 'zero_bias'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'conv1' }),
      node('Conv', ['c1', 'W2', 'zero_bias'], ['c2'], { pads: [1, 1, 1, 1] }, { name: 'conv2' }),
      node('Asinh', ['c2'], ['a'], {}, { name: 'odd_activation' }),
      node('Flatten', ['a'], ['f']),
      node('Gemm', ['f', 'Wfc', 'bfc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [valueInfo('x', DataType.FLOAT, ['N', 1, 4, 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])], [
      floatTensor('zero_bias', [2], zeros(2)), floatTensor('W2', [2, 2, 3, 3], ramp(36)),
      floatTensor('Wfc', [3, 32], ramp(96)), floatTensor('bfc', [3], zeros(3)),
    ]);
    return writeModelFile(tmp.file('report.onnx'), model(g, { opsets: [opset('', 13)] }));
  }

  it('--json lists parameters, tied and Constant-stored ones, and every op on a gradient path without a rule', async () => {
    const r = await runCli(['inspect', trainingModelFile(), '--json']);
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.stdout) as { training: TrainingReport }).training;
    expect(t.parameters.map((p) => p.name).sort()).toEqual(['W1', 'W2', 'Wfc', 'bfc', 'zero_bias']);
    expect(t.tied).toEqual(['zero_bias']);
    expect(t.constants).toEqual(['W1']);
    expect(t.missing).toEqual([{ opType: 'Asinh', node: 'odd_activation', blocks: expect.arrayContaining(['W1', 'W2', 'zero_bias']) }]);
  });

  it('the text form says what blocks training in one line', async () => {
    const r = await runCli(['inspect', trainingModelFile()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/blocked: no gradient rule for Asinh \(1 node, first odd_activation\); 3 parameters blocked/);
    expect(r.stdout).toMatch(/tied \(one tensor, several uses; --untie gives each use its own copy\): zero_bias/);
    expect(r.stdout).toMatch(/stored in Constant nodes \(trained and written back there\): W1/);
  });

  it('lenet5.onnx: every parameter trainable', async () => {
    const r = await runCli(['inspect', LENET5]);
    expect(r.stdout).toMatch(/trainable: 14 of 14 reach the output/);
  });
});


describe('a missing-rule error with --json', () => {
  it('prints one short line on stderr and every blocked node as JSON on stdout', async () => {
    const nodes = [node('Gemm', ['x', 'W1'], ['h0'], { transB: 1 }, { name: 'fc1' })];
    for (let i = 0; i < 12; i++) nodes.push(node('Asinh', [`h${i}`], [`h${i + 1}`], {}, { name: `act_${i}` }));
    nodes.push(node('Gemm', ['h12', 'W2'], ['y'], { transB: 1 }, { name: 'fc2' }));
    const ramp = (n: number) => Array.from({ length: n }, (_, i) => ((i % 5) - 2) / 10);
    const g = graph('blocked', nodes, [valueInfo('x', DataType.FLOAT, ['N', 3])], [valueInfo('y', DataType.FLOAT, ['N', 2])],
      [floatTensor('W1', [3, 3], ramp(9)), floatTensor('W2', [2, 3], ramp(6))]);
    const file = writeModelFile(tmp.file('blocked.onnx'), model(g, { opsets: [opset('', 17)] }));
    const x = writeNpyFile(tmp.file('x.npy'), f32([2, 3], [1, 2, 3, 4, 5, 6]));
    const t = writeNpyFile(tmp.file('t.npy'), f32([2, 2], [0, 1, 1, 0]));
    const r = await runCli(['grad', file, '--input', `x=${x}`, '--target', t, '--loss', 'mse', '--out', tmp.file('g'), '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('edgetune grad: no gradient rule for op on the gradient path, blocking 1 of 2 trainable parameters: Asinh ×12 (first: node act_0)\n');
    const j = JSON.parse(r.stdout) as { event: string; missing: { node: string }[] };
    expect(j.event).toBe('error');
    expect(j.missing.map((m) => m.node)).toEqual(Array.from({ length: 12 }, (_, i) => `act_${i}`));
  });
});

describe('edgetune inspect --nodes', () => {
  it('lists every node with its op, inputs and outputs (the names --train-after takes)', async () => {
    const r = await runCli(['inspect', LENET5, '--nodes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nodes \(14, in file order: name {2}op {2}inputs -> outputs\):/);
    expect(r.stdout).toContain('    F6_act  Tanh  F6 -> F6_act\n');
    const j = JSON.parse((await runCli(['inspect', LENET5, '--nodes', '--json'])).stdout) as { nodeList: { name: string; op: string; inputs: string[]; outputs: string[] }[] };
    expect(j.nodeList).toHaveLength(14);
    expect(j.nodeList.at(-1)).toEqual({ name: 'OUT', op: 'Gemm', inputs: ['F6_act', 'OUT.weight', 'OUT.bias'], outputs: ['logits'] });
  });
});

describe('a wrong --input name', () => {
  it('lists the model\'s inputs', async () => {
    const x = writeNpyFile(tmp.file('digit.npy'), f32([1, 1, 28, 28], new Array<number>(784).fill(0)));
    const r = await runCli(['grad', LENET5, '--input', `inputs=${x}`, '--target', x, '--loss', 'mse', '--out', tmp.file('g2')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`edgetune grad: ${LENET5}: the model has no input 'inputs' (inputs: input)\n`);
  });
});
