/**
 * Small depthwise convolutions as per-channel dense matrices: the input and
 * weight gradients equal the TypeScript rule's (itself checked against
 * central differences) over strides, asymmetric pads, dilations, 1-D maps
 * and old opsets, the backward graph runs no grouped Conv or ConvTranspose,
 * and a compiled step whose forward depthwise Convs are rewritten follows the
 * TypeScript step. On larger maps with unit strides the input gradient is a
 * Conv by the flipped kernel and the weight gradient is computed by rows.
 */
import { describe, expect, it } from 'vitest';
import { compileBackward } from '../../src/compile/backward-graph.js';
import * as ort from 'onnxruntime-node';
import { depthwiseWeightGradByRowsEmit, isSmallDepthwise } from '../../src/compile/emit-depthwise.js';
import { GraphEmitter } from '../../src/compile/emit.js';
import type { NodeView } from '../../src/graph/graph.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import { convNdWeightGrad } from '../../src/tensor/conv.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { GradientEngine } from '../../src/grad/engine.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { Rng } from '../../src/train/rng.js';
import type { Batch } from '../../src/train/tuner.js';
import { expectCompiledFollowsTypeScript } from '../helpers/compare-steps.js';
import { buildSpecModel } from '../helpers/check-gradients.js';
import { expectEmitterMatches } from '../helpers/check-emitter.js';
import { convSpec } from '../grad/rules/conv.cases.js';

type Geometry = Partial<{ strides: readonly number[]; pads: readonly number[]; dilations: readonly number[] }>;
const attrs = (a: Geometry, group: number) => ({ strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], ...Object.fromEntries(Object.entries(a).map(([k, v]) => [k, [...v]])), group });

describe('small depthwise Conv emitter', () => {
  it.each([
    ['3×3 pad 1 on 2×2 maps, with bias', [3, 5, 2, 2], [5, 1, 3, 3], { pads: [1, 1, 1, 1] }, 5, 17],
    ['stride 2, asymmetric pads, 4×4 → 2×2', [2, 4, 4, 4], [4, 1, 3, 3], { strides: [2, 2], pads: [1, 0, 0, 1] }, 4, 13],
    ['dilation 2 with pads 2 on 4×3 maps', [2, 3, 4, 3], [3, 1, 3, 3], { dilations: [2, 2], pads: [2, 2, 2, 2] }, 3, 17],
    ['a 2×1 kernel, stride (1, 2), at opset 9', [2, 3, 3, 4], [3, 1, 2, 1], { strides: [1, 2], pads: [0, 1, 1, 0] }, 3, 9],
  ] as const)("gives the TypeScript rule's gradients: %s", async (_name, x, w, a, group, opsetVersion) => {
    const spec = { ...convSpec([...x], [...w], attrs(a, group)), opsetVersion };
    await expectEmitterMatches(spec);
  });

  it("gives the TypeScript rule's gradients on 1-D maps", async () => {
    await expectEmitterMatches(convSpec([2, 4, 6], [4, 1, 3], { strides: [2], pads: [1, 1], dilations: [1], group: 4 }));
  });

  it('runs no grouped Conv or ConvTranspose in the backward graph', async () => {
    const spec = convSpec([3, 5, 2, 2], [5, 1, 3, 3], attrs({ pads: [1, 1, 1, 1] }, 5));
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: 'y', trainable: ['x', 'w', 'b'] });
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
    const ops = compileBackward(onnx, engine.plan, shapes).proto.graph!.node.map((n) => n.op_type);
    expect(ops).not.toContain('ConvTranspose');
    // the forward pass's own Conv only
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(1);
    expect(ops).toContain('MatMul');
    await engine.dispose();
  });

  it.each([
    ['3×3 pad 1 on 6×6 maps', [2, 3, 6, 6], { pads: [1, 1, 1, 1] }, true],
    ['dilation 2, asymmetric pads, 5×7 maps', [2, 3, 5, 7], { dilations: [2, 2], pads: [2, 1, 0, 2] }, true],
    ['pads past the kernel (ConvTranspose kept)', [2, 3, 6, 6], { pads: [3, 3, 3, 3] }, false],
    ['stride 2 (ConvTranspose kept)', [2, 3, 7, 7], { strides: [2, 2], pads: [1, 1, 1, 1] }, false],
  ] as const)("larger maps, %s: the input gradient as a Conv by the flipped kernel where it can, the TypeScript rule's gradients", async (_name, x, a, flipped) => {
    const spec = convSpec([...x], [3, 1, 3, 3], attrs(a, 3));
    await expectEmitterMatches(spec);
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: 'y', trainable: ['x', 'w', 'b'] });
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
    const ops = compileBackward(onnx, engine.plan, shapes).proto.graph!.node.map((n) => n.op_type);
    expect(ops.includes('ConvTranspose')).toBe(!flipped);
    await engine.dispose();
  });

  it.each([
    ['3×3 pad 1 on 6×6 maps', [2, 3, 6, 6], [3, 1, 3, 3], { pads: [1, 1, 1, 1] }, 17],
    ['a 1×3 kernel, asymmetric pads, one image', [1, 4, 5, 7], [4, 1, 1, 3], { pads: [0, 2, 1, 0] }, 13],
    ['a 3×2 kernel with dilation (2, 1), pads past the reach', [2, 3, 7, 6], [3, 1, 3, 2], { dilations: [2, 1], pads: [3, 1, 2, 2] }, 17],
    ['no pads, at opset 10', [3, 2, 6, 5], [2, 1, 3, 3], {}, 10],
  ] as const)("larger maps with unit strides, %s: the weight gradient by rows (MatMuls, no grouped Conv), the TypeScript rule's gradients", async (_name, x, w, a, opsetVersion) => {
    const spec = { ...convSpec([...x], [...w], attrs(a, x[1])), opsetVersion };
    await expectEmitterMatches(spec);
    // W alone trained: the forward Conv is the only Conv left
    const onnx = buildSpecModel(spec);
    const engine = await GradientEngine.create(onnx, nodeBackend, { loss: 'mse', output: 'y', trainable: ['w'] });
    const shapes = await recordShapes(onnx, nodeBackend, engine.plan, {}, engine.currentWeights());
    const ops = compileBackward(onnx, engine.plan, shapes).proto.graph!.node.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'Conv')).toHaveLength(1);
    expect(ops).toContain('MatMul');
    await engine.dispose();
  });

  it('the weight gradient by rows also holds for strides (the emitter; the grouped Conv is chosen there)', async () => {
    const xDims = [2, 3, 9, 8];
    const wDims = [3, 1, 3, 3];
    const a = { strides: [2, 3], pads: [1, 0, 1, 2], dilations: [1, 2], group: 3 };
    const yDims = [2, 3, Math.floor((9 + 2 - 3) / 2) + 1, Math.floor((8 + 2 - 5) / 3) + 1];
    const x = Float32Array.from({ length: 2 * 3 * 9 * 8 }, (_, i) => Math.sin(0.41 * i));
    const dy = Float32Array.from({ length: yDims.reduce((p, q) => p * q, 1) }, (_, i) => Math.cos(0.23 * i));
    const e = new GraphEmitter(new Map([['x', xDims], ['dy', yDims]]), 'test');
    const ctx = e.context({ node: {} as NodeView, inputs: [], outputs: [], gradOutputs: [], needs: [], opset: 17 });
    const out = depthwiseWeightGradByRowsEmit(ctx, 'x', xDims, 'dy', yDims, wDims, a)!;
    e.nodes.push(node('Identity', [out], ['out']));
    const g = graph('rows', e.nodes, [valueInfo('x', DataType.FLOAT, xDims), valueInfo('dy', DataType.FLOAT, yDims)], [valueInfo('out', DataType.FLOAT)], e.constants);
    const s = await ort.InferenceSession.create(encodeModel(model(g, { opsets: [opset('', 17)] })));
    const got = (await s.run({ x: new ort.Tensor('float32', x, xDims), dy: new ort.Tensor('float32', dy, yDims) })).out!.data as Float32Array;
    await s.release();
    const want = convNdWeightGrad({ dims: xDims, data: x }, { dims: yDims, data: dy }, wDims, a).data;
    let err = 0;
    for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
    expect(got.length).toBe(want.length);
    expect(err).toBeLessThanOrEqual(1e-4);
    // not 2-D, or not depthwise: no rows form
    expect(depthwiseWeightGradByRowsEmit(ctx, 'x', [2, 3, 9], 'dy', [2, 3, 5], [3, 1, 3], { strides: [2], pads: [1, 1], dilations: [1], group: 3 })).toBeUndefined();
    expect(depthwiseWeightGradByRowsEmit(ctx, 'x', xDims, 'dy', [2, 6, 5, 2], [6, 1, 3, 3], a)).toBeUndefined();
  });

  it('is chosen for depthwise Convs up to 4×4 maps only', () => {
    const a = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], group: 8 };
    expect(isSmallDepthwise([2, 8, 4, 4], [8, 1, 3, 3], [2, 8, 4, 4], a)).toBe(true);
    expect(isSmallDepthwise([2, 8, 8, 8], [8, 1, 3, 3], [2, 8, 8, 8], a)).toBe(false);
    // a channel multiplier of 2, or groups of two maps, are not depthwise in this sense
    expect(isSmallDepthwise([2, 8, 4, 4], [16, 1, 3, 3], [2, 16, 4, 4], a)).toBe(false);
    expect(isSmallDepthwise([2, 8, 4, 4], [8, 2, 3, 3], [2, 8, 4, 4], { ...a, group: 4 })).toBe(false);
  });
});

/** x [N,6,4,4] → depthwise 3×3 stride 2 pad 1 (6 maps of 2×2) → Relu → depthwise 3×3 pad 1 → Flatten → MatMul → [N,3]. */
function depthwiseNet(opsetVersion: number): OnnxModel {
  const rng = new Rng(9);
  const r = (n: number) => Array.from({ length: n }, () => rng.next() - 0.5);
  const g = graph('dw', [
    node('Conv', ['x', 'W1', 'B1'], ['c1'], { strides: [2, 2], pads: [1, 1, 1, 1], group: 6 }),
    node('Relu', ['c1'], ['a1']),
    node('Conv', ['a1', 'W2'], ['c2'], { pads: [1, 1, 1, 1], group: 6 }),
    node('Flatten', ['c2'], ['f'], { axis: 1 }),
    node('MatMul', ['f', 'W3'], ['logits']),
  ], [valueInfo('x', DataType.FLOAT, ['N', 6, 4, 4])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [6, 1, 3, 3], r(54)), floatTensor('B1', [6], r(6)), floatTensor('W2', [6, 1, 3, 3], r(54)), floatTensor('W3', [24, 3], r(72)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', opsetVersion)] }), 'depthwise.onnx');
}

describe('a compiled step with small depthwise Convs', () => {
  it.each([9, 13, 17])('rewrites their forward pass and follows the TypeScript step at opset %i', async (v) => {
    const rng = new Rng(4);
    const batches: Batch[] = [0, 1, 2].map((s) => ({
      feeds: { x: { dims: [5, 6, 4, 4], data: Float32Array.from({ length: 480 }, () => rng.next() - 0.5) } },
      target: { dims: [5], data: BigInt64Array.from({ length: 5 }, (_, i) => BigInt((i + s) % 3)) },
    }));
    await expectCompiledFollowsTypeScript(() => depthwiseNet(v), { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 }, batches);
  });
});
