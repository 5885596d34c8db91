import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GradientEngine } from '../../src/grad/engine.js';
import { gradcheck } from '../../src/grad/gradcheck.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { attr, floatTensor, fn, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { Rng } from '../../src/train/rng.js';

/**
 * x → custom.ConvAct(pads 1) → custom.ConvAct(default pads 0) → Flatten → Gemm,
 * where ConvAct(X, W, B) = Scale(Tanh(Conv(X, W, B))) and custom.Scale
 * is itself a function (Y = X · 0.5): a call inside a function.
 */
function functionNet(): OnnxModel {
  const rng = new Rng(3);
  const r = (n: number) => Array.from({ length: n }, () => (rng.next() * 2 - 1) * 0.5);
  const conv = node('Conv', ['X', 'W', 'B'], ['c'], {}, { name: 'conv' });
  conv.attribute = [attr('pads', { ref: 'pads', type: 'ints' })];
  const convAct = fn('custom', 'ConvAct', ['X', 'W', 'B'], ['Y'], [
    conv,
    node('Tanh', ['c'], ['a'], {}, { name: 'act' }),
    node('Scale', ['a'], ['Y'], {}, { name: 'scale', domain: 'custom' }),
  ], ['pads'], [opset('', 17), opset('custom', 1)]);
  const scale = fn('custom', 'Scale', ['X'], ['Y'], [
    node('Constant', [], ['half'], { value_float: { float: 0.5 } }),
    node('Mul', ['X', 'half'], ['Y']),
  ], [], [opset('', 17)]);
  const g = graph('functions', [
    node('ConvAct', ['x', 'w1', 'b1'], ['h1'], { pads: [1, 1, 1, 1] }, { name: 'block1', domain: 'custom' }),
    node('ConvAct', ['h1', 'w2', 'b2'], ['h2'], {}, { name: 'block2', domain: 'custom' }),
    node('Flatten', ['h2'], ['f'], {}, { name: 'flat' }),
    node('Gemm', ['f', 'fc', 'fcb'], ['y'], { transB: 1 }, { name: 'fc' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 2, 5, 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])], [
    floatTensor('w1', [3, 2, 3, 3], r(54)), floatTensor('b1', [3], r(3)),
    floatTensor('w2', [2, 3, 3, 3], r(54)), floatTensor('b2', [2], r(2)),
    floatTensor('fc', [3, 2 * 3 * 2], r(36)), floatTensor('fcb', [3], r(3)),
  ]);
  const m = model(g, { opsets: [opset('', 17), opset('custom', 1)], functions: [convAct, scale] });
  return new OnnxModel(m, 'functions.onnx');
}

const feeds = () => {
  const rng = new Rng(9);
  return { x: { dims: [3, 2, 5, 4], data: Float32Array.from({ length: 120 }, () => rng.next() * 2 - 1) } };
};

describe('model-local functions', () => {
  it('inlining keeps what the model computes (checked against ONNX Runtime running the calls)', async () => {
    const m = functionNet();
    const inlined = m.inlined();
    expect(inlined.graph!.node.some((n) => n.domain === 'custom')).toBe(false);
    const x = feeds().x;
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      const out = await s.run({ x: new ort.Tensor('float32', x.data, x.dims) });
      return out.y!.data as Float32Array;
    };
    const a = await run(m.toBytes());
    const b = await run(encodeModel(inlined));
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('a function with another opset stays a call', () => {
    const m = functionNet();
    m.proto.functions[0]!.opset_import = [opset('', 13), opset('custom', 1)];
    const copy = m.inlined();
    expect(copy.graph!.node.filter((n) => n.domain === 'custom').map((n) => n.name)).toEqual(['block1', 'block2']);
  });

  it.each(['typescript', 'compiled'] as const)('gradients through function calls match central differences (%s backward)', async (backward) => {
    const engine = await GradientEngine.create(functionNet(), nodeBackend, { loss: 'cross-entropy', backward });
    try {
      expect(engine.params.map((p) => p.name).sort()).toEqual(['b1', 'b2', 'fc', 'fcb', 'w1', 'w2']);
      const target = { dims: [3], data: BigInt64Array.of(0n, 2n, 1n) };
      const report = await gradcheck(engine, feeds(), target, { samples: 8, eps: [1e-2, 3e-3] });
      expect(report.ok, report.params.map((p) => `${p.name} ${p.maxError.toExponential(1)}`).join(', ')).toBe(true);
    } finally {
      await engine.dispose();
    }
  });
});
