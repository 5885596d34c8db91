/**
 * The per-parameter update of a 'split' step (src/compile/split-update.ts):
 * plain SGD without the norm multiplies its rate into the Gemm that makes a
 * weight gradient; with the norm, clipping, weight decay or another optimizer
 * it updates from the gradient itself. Both follow the TypeScript step.
 */
import { describe, expect, it } from 'vitest';
import { CompiledStep, packFlat, unpackFlat, WEIGHTS_KEY, type StepState } from '../../src/compile/compiled-step.js';
import { optimizerHyper } from '../../src/compile/optimizer-emit.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { CHECK_ROWS_VALUES, newParam } from '../../src/compile/split-update.js';
import { compileStep, flatLayout, GRAD_NORM, SCALARS } from '../../src/compile/step-graph.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { readTensor } from '../../src/onnx/tensor-codec.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner, type Batch } from '../../src/train/tuner.js';
import type { OptimizerName } from '../../src/train/optimizers/index.js';
import { randoms } from '../train/fixtures.js';


/**
 * A 3×3 conv with 32 maps (its weight gradient one batch-wide Gemm, reshaped
 * to W's dims), a 1×1 conv to 4 maps (the transposed Gemm form, which keeps
 * the plain update), pooling and a fully connected Gemm (its gradient the
 * Gemm itself), at `opsetVersion` (below 11 the Gemms carry a zero C).
 */
function convNet(opsetVersion: number): OnnxModel {
  const rng = new Rng(9);
  const g = graph('conv-net', [
    node('Conv', ['x', 'W1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
    node('Relu', ['c1'], ['r1']),
    node('Conv', ['r1', 'W2'], ['c2'], { kernel_shape: [1, 1] }),
    node('GlobalAveragePool', ['c2'], ['p']),
    node('Flatten', ['p'], ['f']),
    node('Gemm', ['f', 'W3', 'b3'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 2, 5, 5])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [32, 2, 3, 3], randoms(576, rng)), floatTensor('b1', [32], randoms(32, rng, 0.1)),
    floatTensor('W2', [4, 32, 1, 1], randoms(128, rng)),
    floatTensor('W3', [3, 4], randoms(12, rng, 2)), floatTensor('b3', [3], randoms(3, rng, 0.1)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', opsetVersion)] }), 'conv-net.onnx');
}

function batchOf(seed: number): Batch {
  const rng = new Rng(seed);
  return {
    feeds: { x: { dims: [4, 2, 5, 5], data: Float32Array.from({ length: 200 }, () => rng.next() - 0.5) } },
    target: { dims: [4], data: BigInt64Array.of(0n, 1n, 2n, 1n) },
  };
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6, err = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

interface Setup {
  optimizer: OptimizerName;
  weightDecay?: number;
  gradNorm?: boolean;
  clip?: boolean;
}

/** The 'split' step graph for `s` on the model's first batch. */
async function splitProto(t: Tuner, m: OnnxModel, batch: Batch, s: Setup): Promise<ModelProto> {
  const plan = t.engine.plan;
  const shapes = await recordShapes(m, nodeBackend, plan, batch.feeds, t.engine.currentWeights());
  return compileStep(m, plan, shapes, {
    loss: 'cross-entropy', optimizer: s.optimizer, hyper: optimizerHyper(s.optimizer, { weightDecay: s.weightDecay ?? 0 }), labels: true,
    clip: s.clip ?? false, gradNorm: s.gradNorm ?? false, layout: flatLayout([plan.params], (p) => shapes.get(p)!), io: 'split',
    target: { dims: batch.target.dims, elemType: DataType.INT64 },
  });
}

/** The Gemms of a step graph that read an operand multiplied by the fed learning rate. */
function scaledGemms(proto: ModelProto): number {
  const nodes = proto.graph!.node;
  const byRate = new Set(nodes.filter((n) => n.op_type === 'Mul' && n.input.includes(SCALARS)).map((n) => n.output[0]!));
  return nodes.filter((n) => n.op_type === 'Gemm' && n.input.some((v) => byRate.has(v))).length;
}

/** Two SGD steps of a 'split' CompiledStep against two of the TypeScript step; returns the new weights' largest relative difference. */
async function splitAgainstTypeScript(opsetVersion: number, s: Setup): Promise<number> {
  const lr = 0.1;
  const ts = await Tuner.create(convNet(opsetVersion), nodeBackend, {
    loss: 'cross-entropy', optimizer: s.optimizer, lr, weightDecay: s.weightDecay ?? 0, backward: 'typescript', ...(s.clip ? { maxGradNorm: 0.05 } : {}),
  });
  const t = await Tuner.create(convNet(opsetVersion), nodeBackend, { loss: 'cross-entropy', optimizer: s.optimizer, lr });
  const batches = [batchOf(1), batchOf(2)];
  const cs = await CompiledStep.create(t.engine.work, nodeBackend, t.engine.plan, batches[0]!.feeds, batches[0]!.target, t.weights, {
    loss: 'cross-entropy', optimizer: s.optimizer, hyper: optimizerHyper(s.optimizer, { weightDecay: s.weightDecay ?? 0 }), clip: s.clip ?? false,
    io: 'split', gradNorm: s.gradNorm ?? false,
  });
  let state: StepState = new Map([[WEIGHTS_KEY, { dims: [cs.layout.total], data: packFlat(cs.layout, (p) => t.weights.get(p)!) }]]);
  for (const k of cs.stateKeys.slice(1)) state.set(k, { dims: [cs.layout.total], data: new Float32Array(cs.layout.total) });
  for (const [i, b] of batches.entries()) {
    const r = await cs.run(b.feeds, b.target, state, () => ({ lr, stepSize: lr, invSqrtBc2: 1, scale: 1 }), s.clip ? 0.05 : undefined);
    const info = await ts.trainStep(b);
    expect(Math.abs(r.loss - info.loss), `step ${i}`).toBeLessThanOrEqual(1e-5);
    expect(r.gradNorm === undefined, 'norm returned').toBe(!(s.gradNorm || s.clip));
    if (r.gradNorm !== undefined) expect(Math.abs(r.gradNorm - info.gradNorm!)).toBeLessThanOrEqual(1e-5 * info.gradNorm!);
    state = new Map([...r.next].map(([k, v]) => [k, { dims: [...v.dims], data: v.data as Float32Array }]));
  }
  const got = unpackFlat(cs.layout, state.get(WEIGHTS_KEY)!.data as Float32Array);
  let worst = 0;
  for (const [name, w] of ts.weights) worst = Math.max(worst, maxRelDiff(w, got.get(name)!));
  await cs.dispose();
  await t.dispose();
  await ts.dispose();
  return worst;
}

describe('split update', () => {
  it.each([13, 9])('plain SGD without the norm multiplies the rate into the weight-gradient Gemms and follows the TypeScript step (opset %i)', async (v) => {
    const m = convNet(v);
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 });
    const proto = await splitProto(t, m, batchOf(1), { optimizer: 'sgd' });
    // W1 (through a Reshape) and W3 (the Gemm itself); W2's transposed form and the biases keep the plain update
    expect(scaledGemms(proto)).toBe(2);
    expect(proto.graph!.node.some((n) => n.op_type === 'ReduceSumSquare')).toBe(false);
    expect(proto.graph!.output.map((o) => o.name)).not.toContain(GRAD_NORM);
    await t.dispose();
    expect(await splitAgainstTypeScript(v, { optimizer: 'sgd' })).toBeLessThanOrEqual(1e-5);
  });

  it.each([
    ['the norm asked for', { optimizer: 'sgd', gradNorm: true }],
    ['clipping', { optimizer: 'sgd', clip: true }],
    ['weight decay', { optimizer: 'sgd', weightDecay: 0.01 }],
    ['momentum', { optimizer: 'momentum' }],
  ] as const)('updates from the gradient itself with %s, and follows the TypeScript step', async (_name, s) => {
    const m = convNet(13);
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: s.optimizer, lr: 0.1 });
    const proto = await splitProto(t, m, batchOf(1), s);
    expect(scaledGemms(proto)).toBe(0);
    expect(proto.graph!.output.some((o) => o.name === GRAD_NORM)).toBe('gradNorm' in s || 'clip' in s);
    await t.dispose();
    expect(await splitAgainstTypeScript(13, s)).toBeLessThanOrEqual(1e-5);
  });
});

describe('update check', () => {
  /** logits = x · √W with W [rows, cols]: where W is 0 the loss is finite and ∂L/∂W is not. */
  const sqrtNet = (opsetVersion: number, rows: number, cols: number, w: Float32Array) => new OnnxModel(model(graph('sqrt-net', [
    node('Sqrt', ['W'], ['r']), node('MatMul', ['x', 'r'], ['logits']),
  ], [valueInfo('x', DataType.FLOAT, ['N', rows])], [valueInfo('logits', DataType.FLOAT, ['N', cols])], [floatTensor('W', [rows, cols], w)]),
  { opsets: [opset('', opsetVersion)] }), 'sqrt-net.onnx');

  /** The ReduceSums that read the new value of `param` viewed as [rows, cols], summing axis 1 (an axes input or attribute). */
  const rowSums = (proto: ModelProto, param: string, rows: number, cols: number): number => {
    const nodes = proto.graph!.node;
    const consts = new Map((proto.graph!.initializer ?? []).map((t) => [t.name!, t]));
    const ints = (v: string) => { const t = consts.get(v); return t ? Array.from(readTensor(t).data as BigInt64Array, Number) : undefined; };
    const views = new Set(nodes.filter((n) => n.op_type === 'Reshape' && n.input[0] === newParam(param) && JSON.stringify(ints(n.input[1]!)) === JSON.stringify([rows, cols])).map((n) => n.output[0]!));
    return nodes.filter((n) => n.op_type === 'ReduceSum' && views.has(n.input[0]!) &&
      JSON.stringify(n.input[1] !== undefined ? ints(n.input[1]) : n.attribute.find((a) => a.name === 'axes')?.ints?.map(Number)) === '[1]').length;
  };

  it.each([13, 11])('sums a parameter of 2^18 values by rows first and still finds a non-finite new weight (opset %i)', async (v) => {
    const [rows, cols] = [512, CHECK_ROWS_VALUES / 512];
    const positive = Float32Array.from({ length: rows * cols }, (_, i) => 0.5 + (i % 7) / 7);
    const rng = new Rng(3);
    const batch: Batch = {
      feeds: { x: { dims: [2, rows], data: Float32Array.from({ length: 2 * rows }, () => rng.next() - 0.5) } },
      target: { dims: [2], data: BigInt64Array.of(1n, 300n) },
    };
    for (const zeroAt of [undefined, 12345]) {
      const w = positive.slice();
      if (zeroAt !== undefined) w[zeroAt] = 0;
      const m = sqrtNet(v, rows, cols, w);
      const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: ['W'] });
      expect(rowSums(await splitProto(t, m, batch, { optimizer: 'sgd' }), 'W', rows, cols)).toBe(1);
      const cs = await CompiledStep.create(t.engine.work, nodeBackend, t.engine.plan, batch.feeds, batch.target, t.weights, {
        loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), clip: false, io: 'split', gradNorm: false,
      });
      const state: StepState = new Map([[WEIGHTS_KEY, { dims: [cs.layout.total], data: packFlat(cs.layout, (p) => t.weights.get(p)!) }]]);
      const r = await cs.run(batch.feeds, batch.target, state, () => ({ lr: 0.1, stepSize: 0.1, invSqrtBc2: 1, scale: 1 }));
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.updateFinite, zeroAt === undefined ? 'W > 0' : 'a zero in W').toBe(zeroAt === undefined);
      await cs.dispose();
      await t.dispose();
    }
  });

  it('sums a parameter of fewer values in one pass', async () => {
    const [rows, cols] = [64, 64];
    const m = sqrtNet(13, rows, cols, new Float32Array(rows * cols).fill(1));
    const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: ['W'] });
    const batch: Batch = { feeds: { x: { dims: [1, rows], data: new Float32Array(rows).fill(0.1) } }, target: { dims: [1], data: BigInt64Array.of(3n) } };
    const proto = await splitProto(t, m, batch, { optimizer: 'sgd' });
    expect(rowSums(proto, 'W', rows, cols)).toBe(0);
    expect(proto.graph!.node.filter((n) => n.op_type === 'ReduceSum' && n.input[0] === newParam('W')).length).toBe(1);
    await t.dispose();
  });
});
