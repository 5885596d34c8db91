import { describe, expect, it } from 'vitest';
import { GradientEngine } from '../../src/grad/engine.js';
import { MissingRuleError } from '../../src/errors.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';

/** x → Asinh → Gemm(W1) → Asinh → Gemm(W2) → y: Asinh has no gradient rule. */
function asinhNet(): OnnxModel {
  const g = graph('asinh', [
    node('Asinh', ['x'], ['e0'], {}, { name: 'backbone_asinh' }),
    node('Gemm', ['e0', 'W1'], ['h'], { transB: 1 }, { name: 'fc1' }),
    node('Asinh', ['h'], ['e1'], {}, { name: 'head_asinh' }),
    node('Gemm', ['e1', 'W2'], ['y'], { transB: 1 }, { name: 'fc2' }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 3])], [valueInfo('y', DataType.FLOAT, ['N', 2])], [
    floatTensor('W1', [4, 3], [0.1, -0.2, 0.3, 0.2, 0.1, -0.1, 0.3, 0.2, 0.1, -0.3, 0.2, 0.1]),
    floatTensor('W2', [2, 4], [0.2, -0.1, 0.3, 0.1, -0.2, 0.1, 0.2, 0.3]),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'asinh.onnx');
}

describe('backward plan', () => {
  it('an op without a rule on a gradient path is refused before any work, naming op, node and the parameters it blocks', async () => {
    const err = await GradientEngine.create(asinhNet(), nodeBackend, { loss: 'mse' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingRuleError);
    const e = err as MissingRuleError;
    expect(e.missing).toEqual([{ opType: 'Asinh', node: 'head_asinh', blocks: ['W1'] }]);
    expect(e.message).toBe('no gradient rule for op on the gradient path, blocking 1 of 2 trainable parameters: Asinh ×1 (first: node head_asinh)');
  });

  it('ops upstream of every trained parameter need no rule: a frozen backbone trains at its head', async () => {
    const engine = await GradientEngine.create(asinhNet(), nodeBackend, { loss: 'mse', frozen: ['W1'] });
    expect(engine.params.map((p) => p.name)).toEqual(['W2']);
    const feeds = { x: { dims: [2, 3], data: Float32Array.of(0.5, -1, 2, 1, 0.3, -0.7) } };
    const target = { dims: [2, 2], data: Float32Array.of(1, 0, 0, 1) };
    const { grads } = await engine.gradients(feeds, target, engine.currentWeights());
    expect(grads.get('W2')!.some((v) => v !== 0)).toBe(true);
    await engine.dispose();
  });

  it('many missing rules make one short line: op types with counts and first node; the full list stays on the error', async () => {
    const nodes = [node('Gemm', ['x', 'W1'], ['h0'], { transB: 1 }, { name: 'fc1' })];
    for (let i = 0; i < 40; i++) nodes.push(node(i % 4 === 0 ? 'Acosh' : 'Asinh', [`h${i}`], [`h${i + 1}`], {}, { name: `/backbone/block.${i}/very/long/exported/module/path/Activation_${i}` }));
    nodes.push(node('Gemm', ['h40', 'W2'], ['y'], { transB: 1 }, { name: 'fc2' }));
    const g = graph('many', nodes, [valueInfo('x', DataType.FLOAT, ['N', 3])], [valueInfo('y', DataType.FLOAT, ['N', 2])], [
      floatTensor('W1', [3, 3], [0.1, -0.2, 0.3, 0.2, 0.1, -0.1, 0.3, 0.2, 0.1]),
      floatTensor('W2', [2, 3], [0.2, -0.1, 0.3, 0.1, -0.2, 0.1]),
    ]);
    const err = await GradientEngine.create(new OnnxModel(model(g, { opsets: [opset('', 17)] }), 'many.onnx'), nodeBackend, { loss: 'mse' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingRuleError);
    const e = err as MissingRuleError;
    expect(e.missing).toHaveLength(40);
    expect(e.message.length).toBeLessThanOrEqual(400);
    expect(e.message).not.toContain('\n');
    expect(e.message).toMatch(/^no gradient rule for 2 op types on the gradient path, blocking 1 of 2 trainable parameters: Acosh ×10 \(first: node \/backbone\/block\.0\/.*\), Asinh ×30 \(first: node \/backbone\/block\.1\//);
  });
});
