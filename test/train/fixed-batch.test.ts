/**
 * Models exported with a fixed batch size: the training copy frees the batch
 * dimension when no stored shape depends on it; otherwise training and
 * evaluation use the model's batch size. Either way a notice says which.
 */
import { describe, expect, it } from 'vitest';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, int64Tensor, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { evaluate, fit } from '../../src/train/fit.js';
import { Tuner } from '../../src/train/tuner.js';
import { blobs } from './fixtures.js';

const ramp = (n: number, s = 0.1) => Array.from({ length: n }, (_, i) => (((i * 7) % 11) - 5) * s);

/** x [B,6] → (optional Reshape to a stored [B, 6]) → Gemm → Tanh → Gemm → [B,3], batch fixed at B in the file. */
function fixedModel(b: number, storedShape: boolean): OnnxModel {
  const nodes = [
    ...(storedShape ? [node('Reshape', ['x', 'shape'], ['x2'])] : [node('Identity', ['x'], ['x2'])]),
    node('Gemm', ['x2', 'W1', 'b1'], ['h'], { transB: 1 }),
    node('Tanh', ['h'], ['a']),
    node('Gemm', ['a', 'W2', 'b2'], ['y'], { transB: 1 }),
  ];
  const g = graph('fixed', nodes, [valueInfo('x', DataType.FLOAT, [b, 6])], [valueInfo('y', DataType.FLOAT, [b, 3])], [
    floatTensor('W1', [8, 6], ramp(48)), floatTensor('b1', [8], ramp(8, 0.01)),
    floatTensor('W2', [3, 8], ramp(24)), floatTensor('b2', [3], ramp(3, 0.01)), int64Tensor('shape', [2], [b, 6]),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'fixed.onnx');
}

describe('fixed-batch models', () => {
  it('a batch fixed at 1 with no stored shape depending on it trains and evaluates with any batch size', async () => {
    const notices: string[] = [];
    const tuner = await Tuner.create(fixedModel(1, false), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual(["the model's batch size is fixed at 1 in the file; training runs it with a free batch size (no stored shape depends on it)"]);
    expect(tuner.fixedBatch).toBeUndefined();
    const data = blobs(21);
    const r = await fit(tuner, data, { epochs: 1, batchSize: 8, seed: 1 });
    expect(r.steps).toBe(3);
    const e = await evaluate(tuner, data);
    expect(e.size).toBe(21);
    expect(Number.isFinite(e.loss)).toBe(true);
    await tuner.dispose();
  });

  it('a batch a stored shape depends on is kept: steps and evaluation use it, the last short batch padded', async () => {
    const notices: string[] = [];
    const tuner = await Tuner.create(fixedModel(2, true), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, onNotice: (m) => notices.push(m) });
    expect(notices).toEqual(["the model's batch size is fixed at 2 and a stored shape depends on it: training and evaluation use batches of 2"]);
    expect(tuner.fixedBatch).toBe(2);
    const data = blobs(7);
    const r = await fit(tuner, data, { epochs: 1, batchSize: 32, seed: 1 });
    expect(r.steps).toBe(4);
    const e = await evaluate(tuner, data);
    expect(e.size).toBe(7);
    // the same accuracy counted one row at a time through a free-batch copy of the same weights
    const free = await Tuner.create(fixedModel(1, false), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 });
    free.weights = tuner.weights;
    const f = await evaluate(free, data);
    expect(e.accuracy).toBeCloseTo(f.accuracy, 6);
    expect(e.loss).toBeCloseTo(f.loss, 5);
    await free.dispose();
    await tuner.dispose();
  });
});
