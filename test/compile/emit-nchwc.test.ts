/**
 * Convolutions on ONNX Runtime's NCHWc kernels: the block size read from
 * onnxruntime-node; depthwise forward, input and weight gradients and dense
 * forward and unit-stride input gradients equal to the TypeScript rules'
 * (themselves checked against central differences) over strides, pads,
 * dilations and map sizes; compiled steps that run them follow the
 * TypeScript step.
 */
import { describe, expect, it } from 'vitest';
import { NCHWC_DOMAIN } from '../../src/compile/emit-nchwc.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { compileStep, flatLayout } from '../../src/compile/step-graph.js';
import { optimizerHyper } from '../../src/compile/optimizer-emit.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { OnnxModel } from '../../src/model.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { nodeBackend } from '../../src/node/backend.js';
import { compileBackward } from '../../src/compile/backward-graph.js';
import { buildSpecModel } from '../helpers/check-gradients.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { Rng } from '../../src/train/rng.js';
import type { Batch } from '../../src/train/tuner.js';
import { expectCompiledFollowsTypeScript } from '../helpers/compare-steps.js';
import { nchwcBlockSize } from '../../src/runtime/nchwc-block.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { convSpec } from '../grad/rules/conv.cases.js';

const block = await nchwcBlockSize(nodeBackend, 'cpu');

describe('NCHWc depthwise Conv emitter', () => {
  it("reads the block size from onnxruntime-node's CPU provider, and none elsewhere", async () => {
    expect([8, 16]).toContain(block);
    expect(await nchwcBlockSize(nodeBackend, 'wasm')).toBeUndefined();
  });

  it.each([
    ['3×3 pad 1', [2, 16, 6, 6], { pads: [1, 1, 1, 1] }, 2],
    ['stride 2 pad 1 on 8×8', [2, 32, 8, 8], { strides: [2, 2], pads: [1, 1, 1, 1] }, 2],
    // a last row no window reads: the weight gradient in the other forms
    ['stride 2, odd size, asymmetric pads', [3, 16, 7, 9], { strides: [2, 2], pads: [1, 0, 0, 1] }, 1],
    ['dilation 2, pads 2', [2, 16, 7, 6], { dilations: [2, 2], pads: [2, 2, 2, 2] }, 2],
    ['no pads, stride 2 on 8×8', [2, 16, 8, 8], { strides: [2, 2] }, 1],
    ['stride (2, 3), dilation (1, 2)', [2, 16, 9, 11], { strides: [2, 3], dilations: [1, 2], pads: [1, 2, 1, 2] }, 2],
    ['4×4 maps', [3, 32, 4, 4], { pads: [1, 1, 1, 1] }, 2],
    ['2×2 maps', [3, 32, 2, 2], { pads: [1, 1, 1, 1] }, 2],
    ['stride 2 from 4×4 to 2×2', [3, 32, 4, 4], { strides: [2, 2], pads: [1, 1, 1, 1] }, 2],
    ['stride 2 from 2×2 to 1×1', [3, 32, 2, 2], { strides: [2, 2], pads: [1, 1, 1, 1] }, 2],
    ['1×1 maps', [3, 32, 1, 1], { pads: [1, 1, 1, 1] }, 2],
  ] as const)("gives the TypeScript rule's gradients: %s", async (_name, x, a, onNchwc) => {
    const C = x[1];
    const attrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ...Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [...v]])), group: C };
    const spec = convSpec([...x], [C, 1, 3, 3], attrs);
    await expectEmitterMatches(spec, 1e-4, { nchwcBlock: block! });
    // the gradients on the NCHWc kernels, strided input gradients included
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: 'y', trainable: ['x', 'w', 'b'] });
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
    const ops = compileBackward(onnx, engine.plan, shapes, { nchwcBlock: block! }).proto.graph!.node.map((n) => `${n.domain ?? ''}:${n.op_type}`);
    expect(ops.filter((o) => o === `${NCHWC_DOMAIN}:Conv`)).toHaveLength(onNchwc);
    expect(ops).not.toContain(':ConvTranspose');
    await engine.dispose();
  });
});

/** x [N,16,8,8] → depthwise 3×3 stride 2 pad 1 with bias (16 maps of 4×4) → Clip → depthwise 3×3 pad 1 → BatchNormalization → Relu → Flatten → MatMul → [N,3]. */
function depthwiseNet(opsetVersion: number): OnnxModel {
  const rng = new Rng(9);
  const r = (n: number, s = 1) => Array.from({ length: n }, () => (rng.next() - 0.5) * s);
  const C = 16;
  const g = graph('dw', [
    node('Conv', ['x', 'W1', 'B1'], ['c1'], { strides: [2, 2], pads: [1, 1, 1, 1], group: C }),
    node('Clip', ['c1', 'lo', 'hi'], ['a1']),
    node('Conv', ['a1', 'W2'], ['c2'], { pads: [1, 1, 1, 1], group: C }),
    node('BatchNormalization', ['c2', 'gamma', 'beta', 'mean', 'var'], ['n2']),
    node('Relu', ['n2'], ['a2']),
    node('Flatten', ['a2'], ['f'], { axis: 1 }),
    node('MatMul', ['f', 'W3'], ['logits']),
  ], [valueInfo('x', DataType.FLOAT, ['N', C, 8, 8])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [C, 1, 3, 3], r(C * 9)), floatTensor('B1', [C], r(C)), floatTensor('W2', [C, 1, 3, 3], r(C * 9)), floatTensor('W3', [C * 16, 3], r(C * 48, 0.3)),
    floatTensor('lo', [], [0]), floatTensor('hi', [], [6]),
    floatTensor('gamma', [C], r(C).map((v) => 1 + v)), floatTensor('beta', [C], r(C)), floatTensor('mean', [C], r(C, 0.1)), floatTensor('var', [C], r(C).map((v) => 1 + v)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', opsetVersion)] }), 'depthwise-nchwc.onnx');
}

describe('NCHWc dense Conv input gradient', () => {
  it.each([
    ['3×3 pad 1, 16 → 16 maps', [2, 16, 9, 9], [16, 16, 3, 3], { pads: [1, 1, 1, 1] }, 13],
    ['3×3 dilation 2 pads 2, 32 → 16 maps', [2, 32, 8, 7], [16, 32, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] }, 17],
    ['2×3 kernel, pads that keep the size, 16 → 32 maps', [3, 16, 7, 8], [32, 16, 2, 3], { pads: [0, 1, 1, 1] }, 11],
    ['1×1, 16 → 32 maps', [2, 16, 9, 9], [32, 16, 1, 1], {}, 13],
  ] as const)("gives the TypeScript rule's gradients: %s", async (_name, x, w, a, opsetVersion) => {
    const attrs = { strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ...Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [...v]])), group: 1 };
    const spec = { ...convSpec([...x], [...w], attrs), opsetVersion };
    await expectEmitterMatches(spec, 1e-4, { nchwcBlock: block! });
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: 'y', trainable: ['x', 'w', 'b'] });
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
    const ops = compileBackward(onnx, engine.plan, shapes, { nchwcBlock: block! }).proto.graph!.node.map((n) => `${n.domain ?? ''}:${n.op_type}`);
    expect(ops.filter((o) => o === `${NCHWC_DOMAIN}:Conv`)).toHaveLength(1);
    await engine.dispose();
  });
});

/**
 * x [N,3,10,10] → Conv 3→16 (3×3 pad 1, bias; its input read unblocked) → Relu → Conv 16→16 (3×3 pad 1)
 * → Relu → Conv 16→32 (3×3 stride 2 pad 1) → GlobalAveragePool → Flatten → MatMul → [N,3].
 */
function denseNet(): OnnxModel {
  const rng = new Rng(5);
  const r = (n: number, s = 0.5) => Array.from({ length: n }, () => (rng.next() - 0.5) * s);
  const g = graph('dense', [
    node('Conv', ['x', 'W1', 'B1'], ['c1'], { pads: [1, 1, 1, 1] }),
    node('Relu', ['c1'], ['a1']),
    node('Conv', ['a1', 'W2'], ['c2'], { pads: [1, 1, 1, 1] }),
    node('Relu', ['c2'], ['a2']),
    node('Conv', ['a2', 'W3'], ['c3'], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    node('GlobalAveragePool', ['c3'], ['p']),
    node('Flatten', ['p'], ['f'], { axis: 1 }),
    node('MatMul', ['f', 'W4'], ['logits']),
  ], [valueInfo('x', DataType.FLOAT, ['N', 3, 10, 10])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [16, 3, 3, 3], r(432)), floatTensor('B1', [16], r(16)), floatTensor('W2', [16, 16, 3, 3], r(2304, 0.3)),
    floatTensor('W3', [32, 16, 3, 3], r(4608, 0.3)), floatTensor('W4', [32, 3], r(96, 2)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'dense-nchwc.onnx');
}

describe('a compiled step with dense Convs on the NCHWc kernels', () => {
  it('runs the forward Convs and the unit-stride input gradient there and follows the TypeScript step', async () => {
    const rng = new Rng(6);
    const batches: Batch[] = [0, 1, 2].map((s) => ({
      feeds: { x: { dims: [4, 3, 10, 10], data: Float32Array.from({ length: 1200 }, () => rng.next() - 0.5) } },
      target: { dims: [4], data: BigInt64Array.from({ length: 4 }, (_, i) => BigInt((i + s) % 3)) },
    }));
    await expectCompiledFollowsTypeScript(denseNet, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 }, batches);

    const m = denseNet();
    const engine = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy', trainable: ['W1', 'B1', 'W2', 'W3', 'W4'] });
    const feeds = { x: { dims: [2, 3, 10, 10], data: Float32Array.from({ length: 600 }, (_, i) => Math.sin(i)) } };
    const shapes = await recordShapes(m, nodeBackend, engine.plan, feeds, engine.currentWeights());
    const layout = flatLayout([engine.plan.params], (p) => shapes.get(p)!);
    const proto = compileStep(m, engine.plan, shapes, {
      loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), labels: true, clip: false, layout, io: 'flat',
      target: { dims: [2], elemType: DataType.INT64 }, nchwcBlock: block!,
    });
    const convs = proto.graph!.node.filter((n) => n.op_type === 'Conv' && n.domain === NCHWC_DOMAIN);
    // three forward Convs (the first reading x unblocked) and the second layer's input gradient
    expect(convs).toHaveLength(4);
    expect(convs.filter((n) => n.input[0] === 'x')).toHaveLength(1);
    await engine.dispose();
  });
});

describe('a compiled step with depthwise Convs on the NCHWc kernels', () => {
  it.each([11, 13, 17])('runs them there and follows the TypeScript step at opset %i', async (v) => {
    const rng = new Rng(4);
    const batches: Batch[] = [0, 1, 2, 3].map((s) => ({
      feeds: { x: { dims: [5, 16, 8, 8], data: Float32Array.from({ length: 5 * 16 * 64 }, () => 2 * rng.next() - 0.5) } },
      target: { dims: [5], data: BigInt64Array.from({ length: 5 }, (_, i) => BigInt((i + s) % 3)) },
    }));
    await expectCompiledFollowsTypeScript(() => depthwiseNet(v), { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 }, batches);
  });

  it('has no grouped Conv or ConvTranspose left, only NCHWc ones, with the domain imported; none without the block', async () => {
    const m = depthwiseNet(17);
    const engine = await GradientEngine.create(m, nodeBackend, { loss: 'cross-entropy', trainable: ['W1', 'B1', 'W2', 'W3'] });
    const feeds = { x: { dims: [2, 16, 8, 8], data: Float32Array.from({ length: 2048 }, (_, i) => Math.sin(i)) } };
    const shapes = await recordShapes(m, nodeBackend, engine.plan, feeds, engine.currentWeights());
    const layout = flatLayout([engine.plan.params], (p) => shapes.get(p)!);
    const compile = (nchwcBlock?: number) => compileStep(m, engine.plan, shapes, {
      loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), labels: true, clip: false, layout, io: 'flat',
      target: { dims: [2], elemType: DataType.INT64 }, ...(nchwcBlock !== undefined ? { nchwcBlock } : {}),
    });
    const ops = (p: ModelProto) => p.graph!.node.map((v) => `${v.domain ?? ''}:${v.op_type}`);
    const on = compile(block);
    // forward of both layers, the input gradient of the unit-stride one, the weight gradient of both
    expect(ops(on).filter((o) => o === `${NCHWC_DOMAIN}:Conv`)).toHaveLength(5);
    expect(ops(on).filter((o) => o === ':Conv' || o === ':ConvTranspose')).toHaveLength(0);
    expect(on.opset_import).toContainEqual({ domain: NCHWC_DOMAIN, version: 1 });
    const off = compile();
    expect(ops(off).some((o) => o.startsWith(NCHWC_DOMAIN))).toBe(false);
    expect(off.opset_import.some((o) => o.domain === NCHWC_DOMAIN)).toBe(false);
    await engine.dispose();
  });
});
