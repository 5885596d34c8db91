/**
 * `--untie`: a tensor the exporter shared between parameter inputs gets one
 * copy per use; the model computes the same, and the copies train apart.
 */
import { describe, expect, it } from 'vitest';
import { untieParameters } from '../../../src/graph/passes/untie.js';
import { OnnxModel } from '../../../src/model.js';
import { nodeBackend } from '../../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../../src/onnx/builder.js';
import { DataType } from '../../../src/onnx/dtypes.js';
import { encodeModel } from '../../../src/onnx/model-io.js';
import type { HostTensor } from '../../../src/runtime/host-tensor.js';
import { Session } from '../../../src/runtime/session.js';
import { Tuner } from '../../../src/train/tuner.js';

const ramp = (n: number, s = 0.1) => Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + 0.3) * 4 * s);

/** two Convs and a Gemm whose biases are one shared zero tensor [2] (the Gemm has 2 outputs) */
function tied(): OnnxModel {
  const g = graph('tied', [
    node('Conv', ['x', 'W1', 'zero'], ['c1'], { pads: [1, 1, 1, 1] }, { name: 'conv1' }),
    node('Tanh', ['c1'], ['t1']),
    node('Conv', ['t1', 'W2', 'zero'], ['c2'], { pads: [1, 1, 1, 1] }, { name: 'conv2' }),
    node('Flatten', ['c2'], ['f']),
    node('Gemm', ['f', 'Wfc', 'zero'], ['y'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 1, 3, 3])], [valueInfo('y', DataType.FLOAT, ['N', 2])], [
    floatTensor('W1', [2, 1, 3, 3], ramp(18)), floatTensor('W2', [2, 2, 3, 3], ramp(36, 0.05)),
    floatTensor('Wfc', [2, 18], ramp(36, 0.05)), floatTensor('zero', [2], [0, 0]),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'tied.onnx');
}

const x: HostTensor = { dims: [2, 1, 3, 3], data: Float32Array.from(ramp(18, 0.3)) };

async function run(m: OnnxModel): Promise<Float32Array> {
  const s = await Session.create(nodeBackend, encodeModel(m.runtimeProto()), m.inputs, { label: m.file });
  try {
    return (await s.run({ x }))['y']!.data as Float32Array;
  } finally {
    await s.dispose();
  }
}

describe('untieParameters', () => {
  it('gives every use after the first its own copy; the model computes the same', async () => {
    const m = tied();
    const before = await run(m);
    const made = untieParameters(m);
    expect(made).toEqual(new Map([['zero', ['zero.untied1', 'zero.untied2']]]));
    expect(m.graph.node.map((n) => n.input[2])).toEqual(['zero', undefined, 'zero.untied1', undefined, 'zero.untied2']);
    expect(Array.from(m.readFloat('zero.untied2'))).toEqual([0, 0]);
    expect(Array.from(await run(m))).toEqual(Array.from(before));
  });

  it('the untied copies train apart', async () => {
    const m = tied();
    untieParameters(m);
    const tuner = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.5 });
    expect(tuner.params.map((p) => p.name).sort()).toEqual(['W1', 'W2', 'Wfc', 'zero', 'zero.untied1', 'zero.untied2']);
    await tuner.trainStep({ feeds: { x }, target: { dims: [2], data: BigInt64Array.of(0n, 1n) } });
    await tuner.commit();
    await tuner.dispose();
    const [a, b, c] = ['zero', 'zero.untied1', 'zero.untied2'].map((n) => Array.from(m.readFloat(n)));
    expect(a).not.toEqual(b);
    expect(b).not.toEqual(c);
    expect(c).not.toEqual([0, 0]);
  });
});
