/**
 * The opset a CPU step is built at (src/compile/step-opset.ts): models at
 * 13–15 get steps at 16 unless a node would change meaning, and such a step
 * runs MaxPool's backward as one adding scatter while following the
 * TypeScript step.
 */
import { describe, expect, it } from 'vitest';
import { optimizerHyper } from '../../src/compile/optimizer-emit.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { compileStep, flatLayout } from '../../src/compile/step-graph.js';
import { STEP_OPSET, stepOpset } from '../../src/compile/step-opset.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { defaultOpset } from '../../src/onnx/model-io.js';
import type { ModelProto, NodeProto } from '../../src/onnx/types.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner, type Batch } from '../../src/train/tuner.js';
import { expectCompiledFollowsTypeScript } from '../helpers/compare-steps.js';
import { randoms } from '../train/fixtures.js';


/** Conv → Relu → MaxPool 3×3 stride 2 pads 1 (overlapping windows, ties at Relu's zeros) → fully connected, at `version`. */
function pooledNet(version: number): OnnxModel {
  const rng = new Rng(21);
  const g = graph('pooled', [
    node('Conv', ['x', 'W1', 'b1'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Relu', ['c'], ['r']),
    node('MaxPool', ['r'], ['p'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }),
    node('Flatten', ['p'], ['f']),
    node('Gemm', ['f', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 2, 6, 6])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [4, 2, 3, 3], randoms(72, rng)), floatTensor('b1', [4], randoms(4, rng, 0.2)),
    floatTensor('W2', [3, 36], randoms(108, rng)), floatTensor('b2', [3], randoms(3, rng, 0.2)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', version)] }), 'pooled.onnx');
}

function batches(): Batch[] {
  const rng = new Rng(5);
  return [0, 1, 2].map((s) => ({
    feeds: { x: { dims: [3, 2, 6, 6], data: Float32Array.from({ length: 216 }, () => rng.next() - 0.5) } },
    target: { dims: [3], data: BigInt64Array.from({ length: 3 }, (_, i) => BigInt((i + s) % 3)) },
  }));
}

/** A model of one node (and the graph around it) at `version`. */
function oneNode(n: NodeProto, version: number, extra: Partial<ModelProto> = {}): ModelProto {
  const g = graph('one', [n], [valueInfo('x', DataType.FLOAT, [1, 2, 4, 4])], n.output.filter((v) => v).map((v) => valueInfo(v, DataType.FLOAT)));
  return { ...model(g, { opsets: [opset('', version)] }), ...extra };
}

describe('step opset', () => {
  it('raises models at 13–15 to 16 on the CPU, and keeps others', () => {
    const relu = node('Relu', ['x'], ['y']);
    expect([12, 13, 14, 15, 16, 18].map((v) => stepOpset(oneNode(relu, v), false))).toEqual([12, STEP_OPSET, STEP_OPSET, STEP_OPSET, 16, 18]);
    expect(stepOpset(oneNode(relu, 13), true)).toBe(13);
  });

  it('keeps the opset of a graph with a node whose meaning changes by 16, or with local functions', () => {
    const roi = node('RoiAlign', ['x', 'rois', 'idx'], ['y']);
    const bnTraining = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'm2', 'v2', 'sm', 'sv']);
    const bnRunning = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'm2', 'v2']);
    const bn = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']);
    expect(stepOpset(oneNode(roi, 13), false)).toBe(13);
    expect(stepOpset(oneNode(bnTraining, 13), false)).toBe(13);
    expect(stepOpset(oneNode(bnRunning, 14), false)).toBe(14);
    expect(stepOpset(oneNode(bn, 13), false)).toBe(STEP_OPSET);
    const inBranch = node('If', ['c'], ['y'], { then_branch: { graph: graph('t', [roi], [], [valueInfo('y', DataType.FLOAT)]) }, else_branch: { graph: graph('e', [node('Identity', ['x'], ['y'])], [], [valueInfo('y', DataType.FLOAT)]) } });
    expect(stepOpset(oneNode(inBranch, 14), false)).toBe(14);
    const fn = { name: 'f', domain: 'local', input: ['a'], output: ['b'], attribute: [], attribute_proto: [], node: [node('Relu', ['a'], ['b'])], opset_import: [opset('', 13)], doc_string: '', value_info: [], overload: '', metadata_props: [] };
    expect(stepOpset(oneNode(node('Relu', ['x'], ['y']), 13, { functions: [fn] }), false)).toBe(13);
  });

  it('an opset-13 model\'s step is built at 16 with MaxPool\'s backward one adding scatter; the model keeps its opset', async () => {
    const m = pooledNet(13);
    const [batch] = batches();
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 });
    const plan = t.engine.plan;
    const shapes = await recordShapes(m, nodeBackend, plan, batch!.feeds, t.engine.currentWeights());
    const proto = compileStep(m, plan, shapes, {
      loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), labels: true, clip: false, layout: flatLayout([plan.params], (p) => shapes.get(p)!), io: 'flat',
      target: { dims: [3], elemType: DataType.INT64 },
    });
    expect(defaultOpset(proto)).toBe(STEP_OPSET);
    expect(defaultOpset(m.proto)).toBe(13);
    const scatters = proto.graph!.node.filter((n) => n.op_type === 'ScatterElements');
    expect(scatters).toHaveLength(1);
    expect(scatters[0]!.attribute.find((a) => a.name === 'reduction')?.s).toEqual(new TextEncoder().encode('add'));
    await t.dispose();
  });

  it.each([13, 15])('the raised step follows the TypeScript step (model at opset %i)', async (v) => {
    await expectCompiledFollowsTypeScript(() => pooledNet(v), { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 }, batches());
  });
});
