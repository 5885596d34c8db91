/**
 * replaceHead: the final classifier of LeNet-5 (Gemm), of a MatMul + Add
 * network and of SqueezeNet (1×1 Conv before global pooling) gets a fresh
 * head of another width; ONNX Runtime runs the result and computes the new
 * head on the unchanged features, and nothing but the head changes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { InputError, UnsupportedError } from '../../../src/errors.js';
import { replaceHead } from '../../../src/graph/passes/replace-head.js';
import { readLabels, writeLabels } from '../../../src/model-metadata.js';
import { OnnxModel } from '../../../src/model.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { floatTensor, graph, int64Tensor, model, node, opset, valueInfo } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import { cloneModel, encodeModel } from '../../../src/onnx/model-io.js';
import type { ModelProto, TensorProto } from '../../../src/onnx/types.js';
import { Tuner } from '../../../src/train/tuner.js';

const LENET5 = new URL('../../../models/lenet5.onnx', import.meta.url);
const SQUEEZENET = new URL('../../fixtures/torch/squeezenet-opset13.onnx', import.meta.url);

const wave = (n: number, s = 1, p = 0.3) => Float32Array.from({ length: n }, (_, i) => Math.sin(1.37 * i + p) * s);

function load(url: URL, file: string): OnnxModel {
  return OnnxModel.fromBytes(readFileSync(url), file);
}

/** Run a model on onnxruntime-node with `extra` values added as graph outputs (their shapes left open). */
async function ortRun(m: OnnxModel, feeds: Record<string, { dims: number[]; data: Float32Array }>, extra: string[] = []): Promise<Record<string, ort.Tensor>> {
  const proto = m.runtimeProto();
  for (const e of extra) proto.graph!.output.push(valueInfo(e, DataType.FLOAT));
  const s = await ort.InferenceSession.create(encodeModel(proto));
  try {
    return await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  } finally {
    await s.release();
  }
}

function bytesOf(t: TensorProto): Uint8Array {
  return encodeModel(model(graph('t', [], [], [], [t])));
}

/** Every initializer and node of `before` other than the named ones is byte-identical in `after`. */
function expectOnlyHeadChanged(before: ModelProto, after: OnnxModel, headNodes: string[], oldTensors: string[]): void {
  const inits = new Map(after.graph.initializer.map((t) => [t.name, t]));
  for (const t of before.graph!.initializer) {
    if (oldTensors.includes(t.name ?? '')) { expect(inits.has(t.name), t.name).toBe(false); continue; }
    expect(Buffer.from(bytesOf(inits.get(t.name)!)).equals(Buffer.from(bytesOf(t))), t.name).toBe(true);
  }
  const nodes = new Map(after.graph.node.map((n) => [n.name, n]));
  for (const n of before.graph!.node) {
    if (headNodes.includes(n.name ?? '')) continue;
    if (n.op_type === 'Constant' && oldTensors.includes(n.output[0] ?? '')) { expect(nodes.has(n.name)).toBe(false); continue; }
    expect(encodeModel(model(graph('n', [nodes.get(n.name)!], [], [])))).toEqual(encodeModel(model(graph('n', [n], [], []))));
  }
}

function matmulAddNet(): OnnxModel {
  const g = graph('mlp', [
    node('MatMul', ['x', 'W1'], ['h0'], {}, { name: 'fc1' }),
    node('Add', ['h0', 'b1'], ['h1'], {}, { name: 'fc1_add' }),
    node('Relu', ['h1'], ['h'], {}, { name: 'relu' }),
    node('MatMul', ['h', 'W2'], ['z0'], {}, { name: 'fc2' }),
    node('Add', ['b2', 'z0'], ['z'], {}, { name: 'fc2_add' }),
    node('Softmax', ['z'], ['probs'], { axis: -1 }, { name: 'softmax' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('probs', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [4, 5], wave(20, 0.8)), floatTensor('b1', [5], wave(5, 0.2, 1)),
    floatTensor('W2', [5, 3], wave(15, 0.7, 2)), floatTensor('b2', [3], wave(3, 0.1, 3)),
  ]);
  g.value_info.push(valueInfo('z0', DataType.FLOAT, ['N', 3]), valueInfo('z', DataType.FLOAT, ['N', 3]), valueInfo('h', DataType.FLOAT, ['N', 5]));
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'mlp.onnx');
}

describe('replaceHead', () => {
  it("LeNet-5: the Gemm 'OUT' gets a seeded head of 3 classes that ONNX Runtime runs on the unchanged features", async () => {
    const m = load(LENET5, 'lenet5.onnx');
    const before = cloneModel(m.proto);
    const r = replaceHead(m, { classes: 3, seed: 7 });
    expect(r).toMatchObject({ node: 'OUT', weight: 'edgetune.head.weight', bias: 'edgetune.head.bias', previousClasses: 10, output: 'logits' });
    expect(r.replaced).toMatch(/^Gemm 'OUT': 10 → 3 classes/);
    expect(m.graph.node.find((n) => n.name === 'OUT')!.input).toEqual(['F6_act', 'edgetune.head.weight', 'edgetune.head.bias']);
    expect(m.outputs[0]!.dims).toEqual(['N', 3]);
    const w = m.readFloat(r.weight);
    const b = m.readFloat(r.bias);
    expect(m.tensor(r.weight).dims.map(Number)).toEqual([3, 84]);
    expect(b.length).toBe(3);
    const bound = 1 / Math.sqrt(84);
    expect(Math.max(...w.map(Math.abs), ...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expectOnlyHeadChanged(before, m, ['OUT'], ['OUT.weight', 'OUT.bias']);

    const x = wave(2 * 784, 0.5);
    const out = await ortRun(m, { input: { dims: [2, 1, 28, 28], data: x } }, ['F6_act']);
    expect(out['logits']!.dims).toEqual([2, 3]);
    const f = out['F6_act']!.data as Float32Array;
    const y = out['logits']!.data as Float32Array;
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 3; k++) {
        let s = b[k]!;
        for (let i = 0; i < 84; i++) s += f[n * 84 + i]! * w[k * 84 + i]!;
        expect(y[n * 3 + k]).toBeCloseTo(s, 5);
      }
    }
  });

  it('is deterministic in the seed, and a different seed gives other weights', () => {
    const a = load(LENET5, 'a.onnx'), b = load(LENET5, 'b.onnx'), c = load(LENET5, 'c.onnx');
    replaceHead(a, { classes: 4, seed: 3 });
    replaceHead(b, { classes: 4, seed: 3 });
    replaceHead(c, { classes: 4, seed: 4 });
    expect(a.toBytes()).toEqual(b.toBytes());
    expect(Array.from(a.readFloat('edgetune.head.weight'))).not.toEqual(Array.from(c.readFloat('edgetune.head.weight')));
  });

  it('MatMul + Add: both tensors replaced, the Softmax kept, value_info on the way widened', async () => {
    const m = matmulAddNet();
    const before = cloneModel(m.proto);
    const r = replaceHead(m, { classes: 7, seed: 1 });
    expect(r).toMatchObject({ node: 'fc2', weight: 'edgetune.head.weight', bias: 'edgetune.head.bias', previousClasses: 3, output: 'probs' });
    expect(r.replaced).toMatch(/^MatMul \+ Add 'fc2'/);
    expect(m.tensor(r.weight).dims.map(Number)).toEqual([5, 7]);
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax']);
    expect(m.graph.node[4]!.input).toEqual(['edgetune.head.bias', 'z0']);
    expect(m.outputs[0]!.dims).toEqual(['N', 7]);
    expect(m.graph.value_info.map((v) => [v.name, v.type!.tensor_type!.shape!.dim.map((d) => d.dim_value ?? d.dim_param)]))
      .toEqual([['z0', ['N', 7]], ['z', ['N', 7]], ['h', ['N', 5]]]);
    expectOnlyHeadChanged(before, m, ['fc2', 'fc2_add'], ['W2', 'b2']);
    const out = await ortRun(m, { x: { dims: [3, 4], data: wave(12) } }, ['h']);
    expect(out['probs']!.dims).toEqual([3, 7]);
    const p = out['probs']!.data as Float32Array;
    const h = out['h']!.data as Float32Array;
    const w = m.readFloat(r.weight), b = m.readFloat(r.bias);
    for (let n = 0; n < 3; n++) {
      const z = Array.from({ length: 7 }, (_, k) => b[k]! + [0, 1, 2, 3, 4].reduce((s, i) => s + h[n * 5 + i]! * w[i * 7 + k]!, 0));
      const e = z.map((v) => Math.exp(v - Math.max(...z)));
      const sum = e.reduce((a, v) => a + v, 0);
      e.forEach((v, k) => expect(p[n * 7 + k]).toBeCloseTo(v / sum, 5));
    }
  });

  it('a MatMul without a bias gets an Add with the new bias after it', async () => {
    const g = graph('mm', [node('MatMul', ['x', 'W'], ['y'], {}, { name: 'fc' })],
      [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])], [floatTensor('W', [4, 3], wave(12))]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'mm.onnx');
    const r = replaceHead(m, { classes: 2 });
    expect(m.graph.node.map((n) => n.op_type)).toEqual(['MatMul', 'Add']);
    expect(m.graph.node[1]!.output).toEqual(['y']);
    expect(m.hasInitializer('W')).toBe(false);
    const x = wave(8, 1, 2);
    const y = (await ortRun(m, { x: { dims: [2, 4], data: x } }))['y']!;
    expect(y.dims).toEqual([2, 2]);
    const w = m.readFloat(r.weight), b = m.readFloat(r.bias);
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 2; k++) expect((y.data as Float32Array)[n * 2 + k]).toBeCloseTo(b[k]! + [0, 1, 2, 3].reduce((s, i) => s + x[n * 4 + i]! * w[i * 2 + k]!, 0), 5);
    }
  });

  it('SqueezeNet: the 1×1 Conv before Relu, global pooling and Flatten gets 4 output channels', async () => {
    const m = load(SQUEEZENET, 'squeezenet.onnx');
    const before = cloneModel(m.proto);
    const r = replaceHead(m, { classes: 4, seed: 2 });
    expect(r).toMatchObject({ node: '/classifier/classifier.1/Conv', previousClasses: 10, output: 'logits' });
    expect(m.tensor(r.weight).dims.map(Number)).toEqual([4, 64, 1, 1]);
    expect(m.outputs[0]!.dims).toEqual(['batch', 4]);
    expectOnlyHeadChanged(before, m, ['/classifier/classifier.1/Conv'], ['classifier.1.weight', 'classifier.1.bias']);
    const features = '/features/features.12/Concat_output_0';
    const out = await ortRun(m, { input: { dims: [2, 3, 32, 32], data: wave(2 * 3 * 32 * 32, 1.5) } }, [features]);
    expect(out['logits']!.dims).toEqual([2, 4]);
    const f = out[features]!;
    const [, c, hh, ww] = f.dims as [number, number, number, number];
    const fd = f.data as Float32Array;
    const w = m.readFloat(r.weight), b = m.readFloat(r.bias);
    const y = out['logits']!.data as Float32Array;
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 4; k++) {
        let s = 0;
        for (let p = 0; p < hh * ww; p++) {
          let v = b[k]!;
          for (let i = 0; i < c; i++) v += w[k * c + i]! * fd[(n * c + i) * hh * ww + p]!;
          s += Math.max(0, v);
        }
        expect(y[n * 4 + k]).toBeCloseTo(s / (hh * ww), 4);
      }
    }
  });

  it('weights stored as Constant nodes: replaced by initializers and the Constant nodes removed', async () => {
    const g = graph('consts', [
      node('Constant', [], ['W'], { value: floatTensor('', [3, 4], wave(12)) }, { name: 'W_const' }),
      node('Constant', [], ['b'], { value: floatTensor('', [3], wave(3)) }, { name: 'b_const' }),
      node('Gemm', ['x', 'W', 'b'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'consts.onnx');
    const r = replaceHead(m, { classes: 5 });
    expect(m.graph.node.map((n) => n.name)).toEqual(['fc']);
    expect(m.graph.initializer.map((t) => t.name)).toEqual([r.weight, r.bias]);
    expect((await ortRun(m, { x: { dims: [2, 4], data: wave(8) } }))['y']!.dims).toEqual([2, 5]);
  });

  it('keeps an old tensor something else still reads', () => {
    const g = graph('shared', [
      node('Gemm', ['x', 'W', 'b'], ['h'], { transB: 1 }, { name: 'fc1' }),
      node('Gemm', ['h', 'W', 'b'], ['y'], { transB: 1 }, { name: 'fc2' }),
    ], [valueInfo('x', DataType.FLOAT, ['N', 3])], [valueInfo('y', DataType.FLOAT, ['N', 3])],
    [floatTensor('W', [3, 3], wave(9)), floatTensor('b', [3], wave(3))]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'shared.onnx');
    replaceHead(m, { classes: 2 });
    expect(m.graph.initializer.map((t) => t.name)).toEqual(['W', 'b', 'edgetune.head.weight', 'edgetune.head.bias']);
    expect(m.graph.node[0]!.input).toEqual(['x', 'W', 'b']);
  });

  it('an old-IR model listing initializers as inputs gets the new ones listed and the old ones unlisted', async () => {
    const g = graph('ir3', [node('Gemm', ['x', 'W', 'b'], ['y'], { transB: 1 }, { name: 'fc' })],
      [valueInfo('x', DataType.FLOAT, [2, 4]), valueInfo('W', DataType.FLOAT, [3, 4]), valueInfo('b', DataType.FLOAT, [3])],
      [valueInfo('y', DataType.FLOAT, [2, 3])], [floatTensor('W', [3, 4], wave(12)), floatTensor('b', [3], wave(3))]);
    const m = new OnnxModel(model(g, { irVersion: 3, opsets: [opset('', 9)] }), 'ir3.onnx');
    replaceHead(m, { classes: 6 });
    expect(m.graph.input.map((v) => v.name)).toEqual(['x', 'edgetune.head.weight', 'edgetune.head.bias']);
    expect(m.outputs[0]!.dims).toEqual([2, 6]);
    expect((await ortRun(m, { x: { dims: [2, 4], data: wave(8) } }))['y']!.dims).toEqual([2, 6]);
  });

  it('`node` picks another head by node or output name; a node that is not a head is refused, naming the candidates', () => {
    const twoHeads = () => {
      const g = graph('two', [
        node('Gemm', ['x', 'T', 'Tb'], ['t'], { transB: 1 }, { name: 'trunk' }),
        node('Relu', ['t'], ['h'], {}, { name: 'relu' }),
        node('Gemm', ['h', 'A', 'Ab'], ['first'], { transB: 1 }, { name: 'A' }),
        node('Gemm', ['h', 'B', 'Bb'], ['second'], { transB: 1 }, { name: 'B' }),
      ], [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('first', DataType.FLOAT, ['N', 3]), valueInfo('second', DataType.FLOAT, ['N', 2])], [
        floatTensor('T', [5, 4], wave(20)), floatTensor('Tb', [5], wave(5)), floatTensor('A', [3, 5], wave(15)), floatTensor('Ab', [3], wave(3)),
        floatTensor('B', [2, 5], wave(10)), floatTensor('Bb', [2], wave(2)),
      ]);
      return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'two.onnx');
    };
    const auto = twoHeads();
    expect(replaceHead(auto, { classes: 4 }).node).toBe('A');
    for (const name of ['B', 'second']) {
      const m = twoHeads();
      expect(replaceHead(m, { classes: 4, node: name })).toMatchObject({ node: 'B', output: 'second', previousClasses: 2 });
      expect(m.outputs.map((o) => o.dims)).toEqual([['N', 3], ['N', 4]]);
    }
    expect(() => replaceHead(twoHeads(), { classes: 4, node: 'trunk' })).toThrow(InputError);
    expect(() => replaceHead(twoHeads(), { classes: 4, node: 'trunk' }))
      .toThrow("two.onnx: node 'trunk' (Gemm) is not a classifier head (a Gemm, MatMul or group-1 Conv with stored weights whose output reaches a graph output through shape-keeping ops); candidates: 'B' (Gemm, 2 classes), 'A' (Gemm, 3 classes)");
    expect(() => replaceHead(twoHeads(), { classes: 4, node: 'nope' })).toThrow(/'nope' is neither a node nor a value/);
    expect(() => replaceHead(twoHeads(), { classes: 0 })).toThrow(InputError);
  });

  it('a model whose output is not computed by a classifier is refused, saying where the walk stopped', () => {
    const g = graph('argmax', [
      node('Gemm', ['x', 'W', 'b'], ['z'], { transB: 1 }, { name: 'fc' }),
      node('ArgMax', ['z'], ['k'], { axis: 1 }, { name: 'pick' }),
    ], [valueInfo('x', DataType.FLOAT, ['N', 4])], [valueInfo('k', DataType.INT64, ['N', 1])], [floatTensor('W', [3, 4], wave(12)), floatTensor('b', [3], wave(3))]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'argmax.onnx');
    expect(() => replaceHead(m, { classes: 2 })).toThrow("argmax.onnx: no classifier head feeds output 'k' (walking back from it stops at node 'pick' (ArgMax)); pick one by name: the graph has none");
  });

  it('refuses a Reshape after the head that stores the class count', () => {
    const g = graph('reshape', [
      node('Gemm', ['x', 'W', 'b'], ['z'], { transB: 1 }, { name: 'fc' }),
      node('Reshape', ['z', 'shape'], ['y'], {}, { name: 'fix' }),
    ], [valueInfo('x', DataType.FLOAT, [2, 4])], [valueInfo('y', DataType.FLOAT, [2, 3])],
    [floatTensor('W', [3, 4], wave(12)), floatTensor('b', [3], wave(3)), int64Tensor('shape', [2], [2, 3])]);
    const m = new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'reshape.onnx');
    expect(() => replaceHead(m, { classes: 2 })).toThrow(UnsupportedError);
    expect(() => replaceHead(m, { classes: 2 })).toThrow(/node 'fix' \(Reshape\).*class count 3/);
  });

  it('drops stored class names, which named the old classes', () => {
    const m = load(LENET5, 'lenet5.onnx');
    writeLabels(m, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    replaceHead(m, { classes: 2 });
    expect(readLabels(m)).toBeUndefined();
  });

  it('every PyTorch fixture classifier gets a head ONNX Runtime runs; the U-Net, whose output is no classifier\'s, is refused', async () => {
    const dir = new URL('../../fixtures/torch/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('-opset13.onnx'));
    expect(files.length).toBeGreaterThanOrEqual(12);
    for (const f of files) {
      const m = OnnxModel.fromBytes(readFileSync(new URL(f, dir)), f);
      if (f.startsWith('unet')) { expect(() => replaceHead(m, { classes: 5 }), f).toThrow(/no classifier head feeds output 'logits'/); continue; }
      const r = replaceHead(m, { classes: 5 });
      expect(r.previousClasses, f).toBe(10);
      expect(m.outputs[0]!.dims, f).toEqual(['batch', 5]);
      const dims = m.inputs[0]!.dims!.map((d) => (typeof d === 'number' ? d : 2));
      const out = await ortRun(m, { [m.inputs[0]!.name]: { dims, data: wave(dims.reduce((a, b) => a * b, 1), 0.5) } });
      expect(out['logits']!.dims, f).toEqual([2, 5]);
    }
  });

  it('the returned names are the parameters a Tuner trains when told to train only them', async () => {
    const m = load(LENET5, 'lenet5.onnx');
    const r = replaceHead(m, { classes: 3, seed: 5 });
    const tuner = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: [r.weight, r.bias] });
    try {
      expect(tuner.params.map((p) => p.name).sort()).toEqual([r.bias, r.weight].sort());
      const c5 = Array.from(m.readFloat('C5.weight'));
      const w0 = Array.from(m.readFloat(r.weight));
      await tuner.trainStep({ feeds: { input: { dims: [2, 1, 28, 28], data: wave(2 * 784, 0.5) } }, target: { dims: [2], data: BigInt64Array.of(0n, 2n) } });
      await tuner.commit();
      expect(Array.from(m.readFloat(r.weight))).not.toEqual(w0);
      expect(Array.from(m.readFloat('C5.weight'))).toEqual(c5);
    } finally {
      await tuner.dispose();
    }
  });
});
