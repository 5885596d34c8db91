import { describe, expect, it } from 'vitest';
import { expectClose, runInjected } from './run-op.js';
import { combineMapsReference, softmaxColumns } from '../../customops/index.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { randomFloats, seeded } from '../helpers/random.js';

/** A one-node model using edgetune.CombineMaps with no function definition (loading injects it). */
function combineModel(I: number, J: number, c: Float32Array, bias: Float32Array): Uint8Array {
  const n = node('CombineMaps', ['Z', 'c', 'bias'], ['Y'], {}, { domain: 'edgetune', name: 'M' });
  const g = graph('combine', [n], [valueInfo('Z', DataType.FLOAT, ['N', I, 'H', 'W'])], [valueInfo('Y', DataType.FLOAT)],
    [floatTensor('c', [I, J], c), floatTensor('bias', [J], bias)]);
  return encodeModel(model(g, { opsets: [opset('', 17)] }));
}

const runOp = (bytes: Uint8Array, dims: number[], data: Float32Array) => runInjected(bytes, 'CombineMaps', 'Z', dims, data);

describe('edgetune.CombineMaps', () => {
  it('softmax runs down each column of c (hand-computed)', () => {
    // column 0: [0, ln 3] → [1/4, 3/4]; column 1: [5, 5] → [1/2, 1/2]
    const a = softmaxColumns(new Float32Array([0, 5, Math.log(3), 5]), 2, 2);
    expectClose(a, [0.25, 0.5, 0.75, 0.5], 1e-7);
  });

  it('I = 5 input maps, J = 3 outputs, 4×7 maps, matches the reference', async () => {
    const rng = seeded(21);
    const [N, I, J, H, W] = [2, 5, 3, 4, 7];
    const z = randomFloats(rng, N * I * H * W);
    const c = randomFloats(rng, I * J, -2, 2);
    const bias = randomFloats(rng, J);
    const y = await runOp(combineModel(I, J, c, bias), [N, I, H, W], z);
    expect(y.dims).toEqual([N, J, H, W]);
    const ref = combineMapsReference(z, [N, I, H, W], c, J, bias);
    expect(ref.dims).toEqual([N, J, H, W]);
    expectClose(y.data, ref.y);
  });

  it('with c = 0 every output is the mean of the inputs plus its bias', async () => {
    const rng = seeded(22);
    const [N, I, J, H, W] = [1, 5, 3, 3, 2];
    const z = randomFloats(rng, N * I * H * W);
    const bias = new Float32Array([0.5, -1, 2]);
    const y = await runOp(combineModel(I, J, new Float32Array(I * J), bias), [N, I, H, W], z);
    const hw = H * W;
    const expected: number[] = [];
    for (let j = 0; j < J; j++)
      for (let p = 0; p < hw; p++) {
        let s = 0;
        for (let i = 0; i < I; i++) s += z[i * hw + p]!;
        expected.push(s / I + bias[j]!);
      }
    expectClose(y.data, expected);
  });
});
