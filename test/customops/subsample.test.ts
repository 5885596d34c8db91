import { describe, expect, it } from 'vitest';
import { expectClose } from './run-op.js';
import { subsampleReference } from '../../customops/index.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Model } from '../../src/node/model.js';
import { OnnxModel } from '../../src/model.js';
import { randomFloats, seeded } from '../helpers/random.js';

/** A one-node model using edgetune.Subsample with no function definition (loading injects it). */
function subsampleModel(C: number, beta: Float32Array, bias: Float32Array, size?: number): Uint8Array {
  const n = node('Subsample', ['X', 'beta', 'bias'], ['Y'], size === undefined ? {} : { size }, { domain: 'edgetune', name: 'S' });
  const g = graph('subsample', [n], [valueInfo('X', DataType.FLOAT, ['N', C, 'H', 'W'])], [valueInfo('Y', DataType.FLOAT)],
    [floatTensor('beta', [C], beta), floatTensor('bias', [C], bias)]);
  return encodeModel(model(g, { opsets: [opset('', 17)] }));
}

async function runSubsample(dims: [number, number, number, number], size: number | undefined, seed: number) {
  const rng = seeded(seed);
  const [N, C, H, W] = dims;
  const x = randomFloats(rng, N * C * H * W);
  const beta = randomFloats(rng, C, 0.1, 1);
  const bias = randomFloats(rng, C);
  const m = await Model.load(subsampleModel(C, beta, bias, size));
  try {
    expect(m.onnx.injected).toEqual(['Subsample']);
    const y = (await m.run({ X: { dims, data: x } }))['Y']!;
    return { y, ref: subsampleReference(x, dims, beta, bias, size ?? 2) };
  } finally {
    await m.dispose();
  }
}

describe('edgetune.Subsample', () => {
  it('the reference sums each n×n block, scales by beta and adds bias (hand-computed)', () => {
    // X = 1..9 as 3×3; size 2 keeps the top-left block [1,2;4,5] only
    const x = Float32Array.from({ length: 9 }, (_, i) => i + 1);
    const r = subsampleReference(x, [1, 1, 3, 3], new Float32Array([2]), new Float32Array([1]), 2);
    expect(r.dims).toEqual([1, 1, 1, 1]);
    expect(Array.from(r.y)).toEqual([2 * 12 + 1]);
    const r3 = subsampleReference(x, [1, 1, 3, 3], new Float32Array([0.5]), new Float32Array([0]), 3);
    expect(Array.from(r3.y)).toEqual([22.5]);
  });

  it('size 2 on 7×9 maps drops the last row and column', async () => {
    const { y, ref } = await runSubsample([2, 3, 7, 9], 2, 1);
    expect(y.dims).toEqual([2, 3, 3, 4]);
    expect(ref.dims).toEqual([2, 3, 3, 4]);
    expectClose(y.data as Float32Array, ref.y);
  });

  it('size 3 on 7×9 and on 8×10 maps', async () => {
    const a = await runSubsample([2, 2, 7, 9], 3, 2);
    expect(a.y.dims).toEqual([2, 2, 2, 3]);
    expectClose(a.y.data as Float32Array, a.ref.y);
    const b = await runSubsample([1, 4, 8, 10], 3, 3);
    expect(b.y.dims).toEqual([1, 4, 2, 3]);
    expectClose(b.y.data as Float32Array, b.ref.y);
  });

  it('uses size 2 when the attribute is absent', async () => {
    const { y, ref } = await runSubsample([3, 2, 7, 9], undefined, 4);
    expect(y.dims).toEqual([3, 2, 3, 4]);
    expectClose(y.data as Float32Array, ref.y);
  });

  it('with beta = 1/n² and bias 0 it is mean pooling', async () => {
    const x = Float32Array.from({ length: 16 }, (_, i) => i);
    const m = await Model.load(subsampleModel(1, new Float32Array([0.25]), new Float32Array([0]), 2));
    try {
      const y = (await m.run({ X: { dims: [1, 1, 4, 4], data: x } }))['Y']!;
      // block means of [[0,1,2,3],[4,5,6,7],[8,9,10,11],[12,13,14,15]]
      expect(Array.from(y.data as Float32Array)).toEqual([2.5, 4.5, 10.5, 12.5]);
    } finally {
      await m.dispose();
    }
  });

  it('loading injects the definition and the edgetune opset import', () => {
    const m = OnnxModel.fromBytes(subsampleModel(2, new Float32Array(2), new Float32Array(2), 2), 'subsample.onnx');
    expect(m.injected).toEqual(['Subsample']);
    expect(m.proto.functions.map((f) => `${f.domain}.${f.name}`)).toEqual(['edgetune.Subsample']);
    expect(m.proto.opset_import.map((o) => o.domain)).toEqual(['', 'edgetune']);
  });
});
