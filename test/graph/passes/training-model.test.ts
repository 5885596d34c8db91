/**
 * The training passes on whole models: weights kept in Constant nodes train
 * and are written back into those nodes, an If with a stored condition trains
 * through its branch, a data-dependent If on a gradient path is refused by
 * name, and an integer shape path (a flatten written with Shape) needs no
 * rule. Gradients are checked against central differences through ONNX
 * Runtime's forward pass of the user's own model.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../../src/errors.js';
import { GradientEngine } from '../../../src/grad/engine.js';
import { gradcheck } from '../../../src/grad/gradcheck.js';
import { trainingModel } from '../../../src/graph/passes/training-model.js';
import { OnnxModel } from '../../../src/model.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { floatTensor, graph, int64Tensor, model, node, opset, rawTensor, valueInfo } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import { encodeModel } from '../../../src/onnx/model-io.js';
import type { NodeProto } from '../../../src/onnx/types.js';
import type { HostTensor } from '../../../src/runtime/host-tensor.js';
import { Session } from '../../../src/runtime/session.js';
import { Rng } from '../../../src/train/rng.js';
import { Tuner } from '../../../src/train/tuner.js';

function values(n: number, seed: number, lo = -1, hi = 1): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

const image: HostTensor = { dims: [2, 2, 5, 5], data: Float32Array.from(values(100, 3)) };
const labels: HostTensor = { dims: [2], data: BigInt64Array.of(1n, 2n) };

function constantNode(name: string, dims: number[], data: number[]): NodeProto {
  return node('Constant', [], [name], { value: floatTensor('', dims, data) }, { name: `${name}_const` });
}

function build(nodes: NodeProto[], inits = [floatTensor('Wfc', [3, 27], values(81, 5, -0.5, 0.5)), floatTensor('bfc', [3], values(3, 6))], opsetVersion = 13): OnnxModel {
  const g = graph('passes', nodes, [valueInfo('image', DataType.FLOAT, ['N', 2, 5, 5])], [valueInfo('y', DataType.FLOAT, ['N', 3])], inits);
  return new OnnxModel(model(g, { opsets: [opset('', opsetVersion)] }), 'passes.onnx');
}

/** Conv(W, B from Constant nodes) → Tanh → Flatten → Gemm. */
function constantWeights(): OnnxModel {
  return build([
    constantNode('W', [3, 2, 3, 3], values(54, 1, -0.4, 0.4)),
    constantNode('B', [3], values(3, 2)),
    node('Conv', ['image', 'W', 'B'], ['c'], { strides: [2, 2], pads: [1, 1, 1, 1] }, { name: 'conv' }),
    node('Tanh', ['c'], ['t']),
    node('Flatten', ['t'], ['f']),
    node('Gemm', ['f', 'Wfc', 'bfc'], ['y'], { transB: 1 }, { name: 'fc' }),
  ]);
}

async function expectGradcheck(m: OnnxModel): Promise<string[]> {
  const engine = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy' });
  try {
    const report = await gradcheck(engine, { image }, labels, { samples: 12 });
    expect(report.ok, report.params.map((p) => `${p.name}: ${p.maxError}`).join('; ')).toBe(true);
    return engine.params.map((p) => p.name);
  } finally {
    await engine.dispose();
  }
}

async function runModel(m: OnnxModel): Promise<Float32Array> {
  const s = await Session.create(nodeBackend, encodeModel(m.runtimeProto()), m.inputs, { label: m.file });
  try {
    return (await s.run({ image }))['y']!.data as Float32Array;
  } finally {
    await s.dispose();
  }
}

describe('training passes', () => {
  it('weights in Constant nodes are trainable and their gradients match central differences', async () => {
    expect((await expectGradcheck(constantWeights())).sort()).toEqual(['B', 'W', 'Wfc', 'bfc']);
  });

  it('a tuned model keeps Constant weights in their nodes: only their values change', async () => {
    const m = constantWeights();
    const before = m.clone();
    const tuner = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.5 });
    const step = await tuner.trainStep({ feeds: { image }, target: labels });
    expect(step.skipped).toBe(false);
    await tuner.commit();
    await tuner.dispose();
    expect(m.graph.node.map((n) => n.op_type)).toEqual(before.graph.node.map((n) => n.op_type));
    expect(m.graph.initializer.map((t) => t.name)).toEqual(before.graph.initializer.map((t) => t.name));
    const changed = (name: string) => m.readFloat(name).some((v, i) => v !== before.readFloat(name)[i]);
    expect(changed('W')).toBe(true);
    expect(changed('B')).toBe(true);
    expect(m.graph.node[0]!.op_type).toBe('Constant');
    const out = await runModel(m);
    const old = await runModel(before);
    expect(out.some((v, i) => v !== old[i])).toBe(true);
  });

  it('an If whose condition is stored trains through the branch it takes', async () => {
    const branch = (scale: number) => graph(`branch_${scale}`, [
      node('Conv', ['image', 'W'], ['c'], { pads: [1, 1, 1, 1], strides: [2, 2] }, { name: `conv_${scale}` }),
      node('Mul', ['c', `s${scale}`], ['out']),
    ], [], [valueInfo('out', DataType.FLOAT)], [floatTensor(`s${scale}`, [], [scale])]);
    const m = build([
      node('If', ['cond'], ['c'], { then_branch: { graph: branch(1) }, else_branch: { graph: branch(-2) } }, { name: 'choose' }),
      node('Tanh', ['c'], ['t']),
      node('Flatten', ['t'], ['f']),
      node('Gemm', ['f', 'Wfc', 'bfc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [
      floatTensor('W', [3, 2, 3, 3], values(54, 1, -0.4, 0.4)), rawTensor('cond', DataType.BOOL, [], Uint8Array.of(0)),
      floatTensor('Wfc', [3, 27], values(81, 5, -0.5, 0.5)), floatTensor('bfc', [3], values(3, 6)),
    ]);
    const work = trainingModel(m);
    expect(work.resolvedIfs).toEqual(['choose']);
    expect(work.model.graph.node.map((n) => n.op_type)).toEqual(['Conv', 'Mul', 'Tanh', 'Flatten', 'Gemm']);
    expect((await expectGradcheck(m)).sort()).toEqual(['W', 'Wfc', 'bfc']);
  });

  it('an If whose condition depends on the data is refused on a gradient path, naming the node', async () => {
    const branch = (name: string) => graph(name, [node('Identity', ['t'], ['out'])], [], [valueInfo('out', DataType.FLOAT)]);
    const m = build([
      node('Conv', ['image', 'W'], ['c'], { pads: [1, 1, 1, 1], strides: [2, 2] }, { name: 'conv' }),
      node('Tanh', ['c'], ['t']),
      node('ReduceSum', ['image'], ['total'], { keepdims: 0 }),
      node('Greater', ['total', 'zero'], ['cond']),
      node('If', ['cond'], ['picked'], { then_branch: { graph: branch('a') }, else_branch: { graph: branch('b') } }, { name: 'data_if' }),
      node('Flatten', ['picked'], ['f']),
      node('Gemm', ['f', 'Wfc', 'bfc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [
      floatTensor('W', [3, 2, 3, 3], values(54, 1)), floatTensor('zero', [], [0]),
      floatTensor('Wfc', [3, 27], values(81, 5, -0.5, 0.5)), floatTensor('bfc', [3], values(3, 6)),
    ]);
    const err = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedError);
    expect((err as Error).message).toMatch(/node 'data_if' \(If\) is control flow on a gradient path/);
  });

  it('a flatten computed from Shape, Gather and Concat carries no gradient on its integer path', async () => {
    const m = build([
      node('Conv', ['image', 'W', 'B'], ['c'], { pads: [1, 1, 1, 1], strides: [2, 2] }, { name: 'conv' }),
      node('Tanh', ['c'], ['t']),
      node('Shape', ['t'], ['shape']),
      node('Gather', ['shape', 'zero'], ['n'], { axis: 0 }),
      node('Unsqueeze', ['n', 'axes'], ['n1']),
      node('Concat', ['n1', 'minus_one'], ['flat_shape'], { axis: 0 }),
      node('Reshape', ['t', 'flat_shape'], ['f']),
      node('Gemm', ['f', 'Wfc', 'bfc'], ['y'], { transB: 1 }, { name: 'fc' }),
    ], [
      floatTensor('W', [3, 2, 3, 3], values(54, 1, -0.4, 0.4)), floatTensor('B', [3], values(3, 2)),
      int64Tensor('zero', [], [0]), int64Tensor('axes', [1], [0]), int64Tensor('minus_one', [1], [-1]),
      floatTensor('Wfc', [3, 27], values(81, 5, -0.5, 0.5)), floatTensor('bfc', [3], values(3, 6)),
    ]);
    expect((await expectGradcheck(m)).sort()).toEqual(['B', 'W', 'Wfc', 'bfc']);
  });
});
