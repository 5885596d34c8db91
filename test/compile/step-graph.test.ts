import { describe, expect, it } from 'vitest';
import { nodeBackend } from '../../src/node/backend.js';
import { Tuner, type TunerOptions } from '../../src/train/tuner.js';
import { makeBatch } from '../../src/train/fit.js';
import type { OptimizerName } from '../../src/train/optimizers/index.js';
import type { LossName } from '../../src/grad/losses.js';
import { blobs, mlp } from '../train/fixtures.js';
import { OnnxModel } from '../../src/model.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { readFileSync } from 'node:fs';
import { compileStep, flatLayout } from '../../src/compile/step-graph.js';
import { optimizerHyper } from '../../src/compile/optimizer-emit.js';
import { recordShapes } from '../../src/compile/shapes.js';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6, err = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

async function runBoth(opts: Omit<TunerOptions, 'backward'>, steps = 4) {
  const data = blobs(24);
  const compiled = await Tuner.create(mlp(), nodeBackend, { ...opts, backward: 'compiled' });
  const ts = await Tuner.create(mlp(), nodeBackend, { ...opts, backward: 'typescript' });
  expect(compiled.backwardPath).toBe('compiled');
  expect(ts.backwardPath).toBe('typescript');
  const losses: [number, number][] = [];
  for (let s = 0; s < steps; s++) {
    const rows = [0, 1, 2, 3, 4, 5].map((r) => (r + 6 * s) % 24);
    const a = await compiled.trainStep(makeBatch(compiled, data, rows));
    const b = await ts.trainStep(makeBatch(ts, data, rows));
    losses.push([a.loss, b.loss]);
  }
  return { compiled, ts, losses };
}

describe('compiled training step', () => {
  const cases: [OptimizerName, LossName][] = [['sgd', 'cross-entropy'], ['momentum', 'mse'], ['adam', 'cross-entropy'], ['adamw', 'bce-with-logits']];
  for (const [optimizer, loss] of cases) {
    it(`${optimizer} with ${loss} follows the TypeScript step`, async () => {
      const { compiled, ts, losses } = await runBoth({ loss, optimizer, lr: 0.05, weightDecay: optimizer === 'sgd' ? 0 : 0.01 });
      for (const [a, b] of losses) expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(b)));
      for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
      for (const [name, st] of ts.states) {
        expect(compiled.states.get(name)!.step).toBe(st.step);
        for (const [slot, v] of Object.entries(st.slots)) expect(maxRelDiff(v, compiled.states.get(name)!.slots[slot]!), `${name}/${slot}`).toBeLessThanOrEqual(1e-4);
      }
      await compiled.dispose();
      await ts.dispose();
    });
  }

  it('clips by global norm like the TypeScript step, and with Nesterov momentum', async () => {
    const { compiled, ts } = await runBoth({ loss: 'cross-entropy', optimizer: 'momentum', nesterov: true, lr: 0.5, maxGradNorm: 0.05 });
    for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
    await compiled.dispose();
    await ts.dispose();
  });

  it('falls back to TypeScript with a notice when the sparsity penalty is on', async () => {
    const notices: string[] = [];
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'mse', sparsity: { kind: 'entropy', lambda: 0.1 }, onNotice: (m) => notices.push(m) });
    expect(t.backwardPath).toBe('typescript');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/sparsity/);
    await t.dispose();
  });

  it.each([7, 11, 12, 13, 17, 21])('runs compiled at opset %i with integer labels and with float targets (no fallback)', async (opsetVersion) => {
    const data = blobs(12);
    const notices: string[] = [];
    const make = (backward: 'compiled' | 'typescript') => Tuner.create(mlp(3, opsetVersion), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, backward, onNotice: (m) => notices.push(m) });
    const compiled = await make('compiled');
    const ts = await make('typescript');
    const rows = [0, 1, 2, 3, 4, 5];
    const labelled = makeBatch(compiled, data, rows);
    const soft = { feeds: labelled.feeds, target: { dims: [6, 3], data: Float32Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) / 10) } };
    for (const batch of [labelled, soft]) {
      await compiled.trainStep(batch);
      await ts.trainStep(batch);
    }
    expect(notices).toEqual([]);
    expect(compiled.backwardPath).toBe('compiled');
    for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
    await compiled.dispose();
    await ts.dispose();
  });

  it('takes float targets in the loss contract\'s shape (N rows of K values) for a 4-D output', async () => {
    const g = graph('conv-out', [node('Conv', ['x', 'W', 'B'], ['y'], { pads: [1, 1, 1, 1], strides: [2, 2] })],
      [valueInfo('x', DataType.FLOAT, ['N', 1, 4, 4])], [valueInfo('y', DataType.FLOAT, ['N', 2, 2, 2])],
      [floatTensor('W', [2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => ((i * 5) % 7) / 10 - 0.3)), floatTensor('B', [2], [0.1, -0.1])]);
    const make = (backward: 'compiled' | 'typescript') => Tuner.create(new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'conv-out.onnx'), nodeBackend, { loss: 'mse', optimizer: 'sgd', lr: 0.1, backward });
    const batch = {
      feeds: { x: { dims: [3, 1, 4, 4], data: Float32Array.from({ length: 48 }, (_, i) => Math.sin(i)) } },
      target: { dims: [3, 8], data: Float32Array.from({ length: 24 }, (_, i) => Math.cos(i)) },
    };
    const compiled = await make('compiled');
    const ts = await make('typescript');
    await compiled.trainStep(batch);
    await ts.trainStep(batch);
    expect(compiled.backwardPath).toBe('compiled');
    for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
    await compiled.dispose();
    await ts.dispose();
  });

  it("runs LeNet-5's Subsample layers as AveragePool in the step, and follows the TypeScript step", async () => {
    const lenet = () => OnnxModel.fromBytes(readFileSync('models/lenet5.onnx'), 'lenet5.onnx');
    const make = (backward: 'compiled' | 'typescript') => Tuner.create(lenet(), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, backward });
    const n = 4;
    const batch = {
      feeds: { input: { dims: [n, 1, 28, 28], data: Float32Array.from({ length: n * 784 }, (_, i) => Math.sin(0.37 * i)) } },
      target: { dims: [n], data: BigInt64Array.from([3n, 1n, 4n, 1n]) },
    };
    const compiled = await make('compiled');
    const ts = await make('typescript');
    for (let s = 0; s < 2; s++) {
      await compiled.trainStep(batch);
      await ts.trainStep(batch);
    }
    expect(compiled.backwardPath).toBe('compiled');
    for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);

    const m = lenet();
    const plan = compiled.engine.plan;
    const shapes = await recordShapes(m, nodeBackend, plan, batch.feeds, compiled.engine.currentWeights());
    const layout = flatLayout([plan.params], (p) => shapes.get(p)!);
    const proto = compileStep(m, plan, shapes, {
      loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), labels: true, clip: false, layout, io: 'flat',
      target: { dims: [n], elemType: DataType.INT64 },
    });
    const ops = proto.graph!.node.map((v) => `${v.domain ?? ''}:${v.op_type}`);
    expect(ops.filter((o) => o === 'edgetune:Subsample')).toEqual([]);
    expect(ops.filter((o) => o === ':AveragePool').length).toBeGreaterThanOrEqual(2);
    await compiled.dispose();
    await ts.dispose();
  });
});
