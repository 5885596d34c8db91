/**
 * The compiled step's flat state: parameters in groups that share their
 * step scalars (per-parameter learning rates, Adam step counts that differ),
 * each following the TypeScript step; Concat and Split trees of bounded
 * width giving the same step; host arrays of their own that a caller may
 * change between steps; forward Convs with small outputs rewritten as one
 * Gemm; the same step with each parameter its own input and output
 * ('split', bound to views of the flat vectors); and the thread count of
 * small steps.
 */
import { describe, expect, it } from 'vitest';
import { CompiledStep, cpuStepOptions, packFlat, SPLIT_IO_VALUES, STOP_SPINNING_VALUES, stepFlops, stepIo, stepThreads, WEIGHTS_KEY, type StepState } from '../../src/compile/compiled-step.js';
import { optimizerHyper } from '../../src/compile/optimizer-emit.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { makeBatch } from '../../src/train/fit.js';
import { Tuner, type Batch, type TunerOptions } from '../../src/train/tuner.js';
import { Rng } from '../../src/train/rng.js';
import type { Backend, InferenceSession } from '../../src/runtime/backend.js';
import { blobs, mlp } from '../train/fixtures.js';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-6, err = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]!));
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

async function both(m: () => OnnxModel, opts: Omit<TunerOptions, 'backward'>): Promise<[Tuner, Tuner]> {
  const compiled = await Tuner.create(m(), nodeBackend, { ...opts, backward: 'compiled' });
  const ts = await Tuner.create(m(), nodeBackend, { ...opts, backward: 'typescript' });
  expect(compiled.backwardPath).toBe('compiled');
  return [compiled, ts];
}

function expectSameTraining(compiled: Tuner, ts: Tuner): void {
  for (const [name, w] of ts.weights) expect(maxRelDiff(w, compiled.weights.get(name)!), name).toBeLessThanOrEqual(1e-4);
  for (const [name, st] of ts.states) {
    expect(compiled.states.get(name)!.step, name).toBe(st.step);
    for (const [slot, v] of Object.entries(st.slots)) expect(maxRelDiff(v, compiled.states.get(name)!.slots[slot]!), `${name}/${slot}`).toBeLessThanOrEqual(1e-4);
  }
}

async function train(tuners: Tuner[], steps: number): Promise<void> {
  const data = blobs(24);
  for (let s = 0; s < steps; s++) {
    const rows = [0, 1, 2, 3, 4, 5].map((r) => (r + 6 * s) % 24);
    for (const t of tuners) await t.trainStep(makeBatch(t, data, rows));
  }
}

describe('compiled step over flat state', () => {
  it.each(['sgd', 'momentum', 'adam', 'adamw'] as const)('%s with per-parameter learning rates (two groups) and clipping follows the TypeScript step', async (optimizer) => {
    const [compiled, ts] = await both(() => mlp(), { loss: 'cross-entropy', optimizer, lr: 0.05, lrPerParam: { 'W*': 0.2 }, maxGradNorm: 0.5, weightDecay: 0.01 });
    await train([compiled, ts], 4);
    expectSameTraining(compiled, ts);
    await compiled.dispose();
    await ts.dispose();
  });

  it('Adam with parameters at different step counts (a loaded state) follows the TypeScript step', async () => {
    const [compiled, ts] = await both(() => mlp(), { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05 });
    await train([compiled, ts], 2);
    for (const t of [compiled, ts]) {
      const states = new Map([...t.states].map(([k, v]) => [k, { step: k === 'W2' ? v.step + 5 : v.step, slots: { ...v.slots } }]));
      t.states = states;
    }
    await train([compiled, ts], 3);
    expectSameTraining(compiled, ts);
    expect(compiled.states.get('W2')!.step).toBe(10);
    await compiled.dispose();
    await ts.dispose();
  });

  it('gives every parameter an array of its own, and a change a caller makes to one reaches the next step', async () => {
    const [compiled, ts] = await both(() => mlp(), { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });
    await train([compiled, ts], 2);
    for (const t of [compiled, ts]) {
      const w = t.weights.get('W1')!;
      expect(w.byteOffset).toBe(0);
      expect(w.buffer.byteLength).toBe(w.length * 4);
      w.fill(0.01);
      t.states.get('b2')!.slots.velocity!.fill(0.5);
    }
    await train([compiled, ts], 2);
    expectSameTraining(compiled, ts);
    await compiled.dispose();
    await ts.dispose();
  });

  it('Concat and Split trees of at most 2 operands give the same step', async () => {
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05 });
    const batch = makeBatch(t, blobs(6), [0, 1, 2, 3, 4, 5]);
    const base = { loss: 'cross-entropy' as const, optimizer: 'adam' as const, hyper: optimizerHyper('adam', {}), clip: true, groups: [['W1', 'b2'], ['b1', 'W2']] };
    const steps = await Promise.all([{}, { maxOperands: 2 }].map((o) => CompiledStep.create(t.engine.work, nodeBackend, t.engine.plan, batch.feeds, batch.target, t.weights, { ...base, ...o })));
    const results: Awaited<ReturnType<CompiledStep['run']>>[] = [];
    for (const cs of steps) {
      const state: StepState = new Map([[WEIGHTS_KEY, { dims: [cs.layout.total], data: packFlat(cs.layout, (p) => t.weights.get(p)!) }]]);
      for (const k of cs.stateKeys.slice(1)) state.set(k, { dims: [cs.layout.total], data: new Float32Array(cs.layout.total).fill(0.01) });
      results.push(await cs.run(batch.feeds, batch.target, state, (p) => ({ lr: 0.1, stepSize: p.startsWith('W') ? 0.2 : 0.3, invSqrtBc2: 1.5, scale: 1 }), 0.3));
    }
    const [a, b] = results;
    expect(a!.loss).toBe(b!.loss);
    for (const k of steps[0]!.stateKeys) expect([...(b!.next.get(k)!.data as Float32Array)]).toEqual([...(a!.next.get(k)!.data as Float32Array)]);
    for (const cs of steps) await cs.dispose();
    await t.dispose();
  });
});

describe('state split per parameter', () => {
  const stepOf = async (t: Tuner, batch: Batch, io: 'flat' | 'split', optimizer: 'sgd' | 'momentum' | 'adam' | 'adamw', clip: boolean) => {
    const cs = await CompiledStep.create(t.engine.work, nodeBackend, t.engine.plan, batch.feeds, batch.target, t.weights, {
      loss: 'cross-entropy', optimizer, hyper: optimizerHyper(optimizer, { weightDecay: 0.01 }), clip, groups: [['W1', 'b2'], ['b1', 'W2']], io, gradNorm: true,
    });
    expect(cs.io).toBe(io);
    return cs;
  };

  it.each([
    ['sgd', true], ['momentum', false], ['adam', true], ['adamw', false],
  ] as const)('%s (clipping %s) gives the flat step\'s loss, norm and new state, in arrays of its own', async (optimizer, clip) => {
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'adam', lr: 0.05 });
    const batch = makeBatch(t, blobs(6), [0, 1, 2, 3, 4, 5]);
    const steps = [await stepOf(t, batch, 'flat', optimizer, clip), await stepOf(t, batch, 'split', optimizer, clip)];
    const results: Awaited<ReturnType<CompiledStep['run']>>[] = [];
    const fed: StepState[] = [];
    for (const cs of steps) {
      const state: StepState = new Map([[WEIGHTS_KEY, { dims: [cs.layout.total], data: packFlat(cs.layout, (p) => t.weights.get(p)!) }]]);
      cs.stateKeys.slice(1).forEach((k, i) => state.set(k, { dims: [cs.layout.total], data: new Float32Array(cs.layout.total).fill(0.01 * (i + 1)) }));
      fed.push(state);
      results.push(await cs.run(batch.feeds, batch.target, state, (p) => ({ lr: p.startsWith('W') ? 0.1 : 0.2, stepSize: p.startsWith('W') ? 0.2 : 0.3, invSqrtBc2: 1.5, scale: 0.99 }), 0.3));
    }
    const [flat, split] = results;
    expect(split!.loss).toBe(flat!.loss);
    expect(Math.abs(split!.gradNorm! - flat!.gradNorm!)).toBeLessThanOrEqual(1e-6 * flat!.gradNorm!);
    expect(split!.updateFinite).toBe(true);
    for (const k of steps[0]!.stateKeys) {
      const a = flat!.next.get(k)!.data as Float32Array;
      const b = split!.next.get(k)!.data as Float32Array;
      expect(b.length, k).toBe(a.length);
      // the zero tail past the parameters is padding: the flat step moves it by its slots, the split one leaves it
      const used = steps[0]!.layout.used;
      expect(maxRelDiff(a.subarray(0, used), b.subarray(0, used)), k).toBeLessThanOrEqual(1e-6);
      // written into a vector of the step's own, the one fed left as it was
      expect(b.buffer, k).not.toBe((fed[1]!.get(k)!.data as Float32Array).buffer);
    }
    expect([...(fed[1]!.get(WEIGHTS_KEY)!.data as Float32Array)]).toEqual([...(fed[0]!.get(WEIGHTS_KEY)!.data as Float32Array)]);
    for (const cs of steps) await cs.dispose();
    await t.dispose();
  });

  it('writes a later step into the vectors a replaced state handed back, never into the state it is fed', async () => {
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });
    const batch = makeBatch(t, blobs(6), [0, 1, 2, 3, 4, 5]);
    const cs = await stepOf(t, batch, 'split', 'momentum', false);
    const scalars = () => ({ lr: 0.1, stepSize: 0, invSqrtBc2: 0, scale: 1 });
    let state: StepState = new Map(cs.stateKeys.map((k, i) => [k, { dims: [cs.layout.total], data: i === 0 ? packFlat(cs.layout, (p) => t.weights.get(p)!) : new Float32Array(cs.layout.total) }]));
    const first = await cs.run(batch.feeds, batch.target, state, scalars);
    // the caller's vectors are not the step's: handing them back changes nothing
    cs.recycle(state.values());
    const second = await cs.run(batch.feeds, batch.target, first.next, scalars);
    for (const k of cs.stateKeys) expect((second.next.get(k)!.data as Float32Array).buffer).not.toBe((first.next.get(k)!.data as Float32Array).buffer);
    cs.recycle(first.next.values());
    const kept = new Map([...second.next].map(([k, v]) => [k, Float32Array.from(v.data as Float32Array)]));
    const third = await cs.run(batch.feeds, batch.target, second.next, scalars);
    const reused = new Set([...first.next.values()].map((v) => (v.data as Float32Array).buffer));
    for (const k of cs.stateKeys) {
      expect(reused.has((third.next.get(k)!.data as Float32Array).buffer), k).toBe(true);
      expect([...(second.next.get(k)!.data as Float32Array)], k).toEqual([...kept.get(k)!]);
    }
    await cs.dispose();
    await t.dispose();
  });

  it('is chosen on the CPU provider from SPLIT_IO_VALUES trained values, flat elsewhere', () => {
    const layout = (n: number) => ({ params: ['W'], dims: [[n]], offsets: [0], sizes: [n], used: n, total: n, width: 1, groups: [[0, 1] as const] });
    expect(stepIo(['cpu'], layout(SPLIT_IO_VALUES))).toBe('split');
    expect(stepIo(['cpu'], layout(SPLIT_IO_VALUES - 1))).toBe('flat');
    expect(stepIo(['wasm'], layout(SPLIT_IO_VALUES))).toBe('flat');
    expect(stepIo(['webgpu', 'cpu'], layout(SPLIT_IO_VALUES))).toBe('flat');
  });

  it('over a million parameters follows the TypeScript step through kept, skipped and resumed steps', async () => {
    const rng = new Rng(5);
    const w = Float32Array.from({ length: 600 * 500 }, () => (rng.next() - 0.5) * 0.05);
    const g = graph('wide', [node('Gemm', ['x', 'W', 'B'], ['logits'], { transB: 1 })],
      [valueInfo('x', DataType.FLOAT, ['N', 500])], [valueInfo('logits', DataType.FLOAT, ['N', 600])], [floatTensor('W', [600, 500], w), floatTensor('B', [600], new Array<number>(600).fill(0))]);
    const make = () => new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'wide.onnx');
    const [compiled, ts] = await both(make, { loss: 'cross-entropy', optimizer: 'momentum', lr: 0.05 });
    const batch = (s: number, bad = false): Batch => ({
      feeds: { x: { dims: [8, 500], data: Float32Array.from({ length: 8 * 500 }, (_, i) => (bad && i === 7 ? NaN : Math.sin(i * 0.37 + s))) } },
      target: { dims: [8], data: BigInt64Array.from({ length: 8 }, (_, i) => BigInt((i * 71 + s) % 600)) },
    });
    for (const [s, bad] of [[0, false], [1, false], [2, true], [3, false], [4, false]] as const) {
      const a = await compiled.trainStep(batch(s, bad));
      const b = await ts.trainStep(batch(s, bad));
      expect(a.skipped, `step ${s}`).toBe(bad);
      expect(b.skipped, `step ${s}`).toBe(bad);
      if (s === 3) expectSameTraining(compiled, ts);
    }
    expectSameTraining(compiled, ts);
    await compiled.dispose();
    await ts.dispose();
  });
});

/** x [N,3,4,4] → Conv 3×3 stride 2 pad 1 (32 maps of 2×2) → Relu → Conv 2×2 over the whole map → Flatten → [N,4]. */
function smallOutputNet(opsetVersion: number): OnnxModel {
  const rng = new Rng(7);
  const r = (n: number) => Array.from({ length: n }, () => rng.next() - 0.5);
  const g = graph('small', [
    node('Conv', ['x', 'W1', 'B1'], ['c1'], { strides: [2, 2], pads: [1, 1, 1, 1] }),
    node('Relu', ['c1'], ['a1']),
    node('Conv', ['a1', 'W2', 'B2'], ['c2']),
    node('Flatten', ['c2'], ['logits'], { axis: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', 3, 4, 4])], [valueInfo('logits', DataType.FLOAT, ['N', 4])], [
    floatTensor('W1', [32, 3, 3, 3], r(864)), floatTensor('B1', [32], r(32)), floatTensor('W2', [4, 32, 2, 2], r(512)), floatTensor('B2', [4], r(4)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', opsetVersion)] }), 'small.onnx');
}

describe('forward Convs with small outputs', () => {
  it.each([7, 11, 13, 17, 18, 21])('train as one Gemm each and follow the TypeScript step at opset %i', async (v) => {
    const [compiled, ts] = await both(() => smallOutputNet(v), { loss: 'cross-entropy', optimizer: 'adam', lr: 0.02 });
    const rng = new Rng(3);
    for (let s = 0; s < 3; s++) {
      const batch: Batch = {
        feeds: { x: { dims: [5, 3, 4, 4], data: Float32Array.from({ length: 240 }, () => rng.next() - 0.5) } },
        target: { dims: [5], data: BigInt64Array.from({ length: 5 }, (_, i) => BigInt((i + s) % 4)) },
      };
      const a = await compiled.trainStep(batch);
      const b = await ts.trainStep(batch);
      expect(Math.abs(a.loss - b.loss)).toBeLessThanOrEqual(1e-5);
    }
    expectSameTraining(compiled, ts);
    await compiled.dispose();
    await ts.dispose();
  });
});

describe('gradient norm', () => {
  it('over a million parameters, when clipping, is the TypeScript step\'s to float32 precision (rows summed first)', async () => {
    const rng = new Rng(11);
    const w = Float32Array.from({ length: 1000 * 1200 }, () => (rng.next() - 0.5) * 0.05);
    const g = graph('wide', [node('Gemm', ['x', 'W'], ['logits'], { transB: 1 })],
      [valueInfo('x', DataType.FLOAT, ['N', 1200])], [valueInfo('logits', DataType.FLOAT, ['N', 1000])], [floatTensor('W', [1000, 1200], w)]);
    const make = () => new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'wide.onnx');
    const [compiled, ts] = await both(make, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.01, maxGradNorm: 0.5 });
    const batch: Batch = {
      feeds: { x: { dims: [16, 1200], data: Float32Array.from({ length: 16 * 1200 }, () => rng.next() - 0.5) } },
      target: { dims: [16], data: BigInt64Array.from({ length: 16 }, (_, i) => BigInt((i * 37) % 1000)) },
    };
    const a = await compiled.trainStep(batch);
    const b = await ts.trainStep(batch);
    expect(Math.abs(a.gradNorm! - b.gradNorm!)).toBeLessThanOrEqual(2e-6 * b.gradNorm!);
    expectSameTraining(compiled, ts);
    await compiled.dispose();
    await ts.dispose();
  });
});

describe('finiteness', () => {
  // logits = x · √s: at s = 0 the loss is finite but ∂L/∂s = δ·x / (2√s) is not
  const sqrtScale = () => new OnnxModel(model(graph('sqrt-scale', [node('Sqrt', ['s'], ['r']), node('Mul', ['x', 'r'], ['logits'])],
    [valueInfo('x', DataType.FLOAT, ['N', 2])], [valueInfo('logits', DataType.FLOAT, ['N', 2])], [floatTensor('s', [2], [0, 1])]), { opsets: [opset('', 13)] }), 'sqrt-scale.onnx');

  it.each(['flat', 'split'] as const)('a finite loss with a non-finite gradient is a rejected step (%s state)', async (io) => {
    const t = await Tuner.create(sqrtScale(), nodeBackend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: ['s'] });
    const batch: Batch = { feeds: { x: { dims: [2, 2], data: Float32Array.of(1, 2, -1, 0.5) } }, target: { dims: [2], data: BigInt64Array.of(0n, 1n) } };
    const cs = await CompiledStep.create(t.engine.work, nodeBackend, t.engine.plan, batch.feeds, batch.target, t.weights, {
      loss: 'cross-entropy', optimizer: 'sgd', hyper: optimizerHyper('sgd', {}), clip: false, io, gradNorm: true,
    });
    const state: StepState = new Map([[WEIGHTS_KEY, { dims: [cs.layout.total], data: packFlat(cs.layout, (p) => t.weights.get(p)!) }]]);
    const r = await cs.run(batch.feeds, batch.target, state, () => ({ lr: 0.1, stepSize: 0.1, invSqrtBc2: 1, scale: 1 }));
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(Number.isFinite(r.gradNorm!)).toBe(false);
    expect(r.updateFinite).toBe(false);
    // through the Tuner: skipped, weights kept
    const info = await t.trainStep(batch);
    expect(t.backwardPath).toBe('compiled');
    expect(info.skipped).toBe(true);
    expect([...t.weights.get('s')!]).toEqual([0, 1]);
    await cs.dispose();
    await t.dispose();
  });
});

describe('thread count', () => {
  it('a small step runs on one thread, a large one on the default pool', async () => {
    const t = await Tuner.create(mlp(), nodeBackend, { loss: 'cross-entropy' });
    const feeds = (n: number) => ({ x: { dims: [n, 6], data: new Float32Array(n * 6) } });
    const small = await recordShapes(t.engine.work, nodeBackend, t.engine.plan, feeds(4), t.weights);
    const large = await recordShapes(t.engine.work, nodeBackend, t.engine.plan, feeds(100_000), t.weights);
    // fc1 (6→8) and fc2 (8→3): forward, ∂W of both and ∂X of fc2
    expect(stepFlops(t.engine.plan, small)).toBe(2 * 4 * (48 + 24) * 2 + 2 * 4 * 24);
    expect(stepThreads(t.engine.plan, small)).toBe(1);
    expect(stepThreads(t.engine.plan, large)).toBeUndefined();
    await t.dispose();
  });

  it("a small step runs on one thread even when the backend asks for more (the caller's count is the most a step uses)", async () => {
    const created: { label: string; threads: number | undefined }[] = [];
    const backend: Backend = {
      ...nodeBackend,
      sessionOptions: (p: string) => ({ ...nodeBackend.sessionOptions?.(p), intraOpNumThreads: 2 }),
      ort: {
        Tensor: nodeBackend.ort.Tensor,
        InferenceSession: {
          create: (m: Uint8Array, o?: InferenceSession.SessionOptions) => {
            created.push({ label: String(created.length), threads: o?.intraOpNumThreads });
            return nodeBackend.ort.InferenceSession.create(m, o);
          },
        },
      },
    };
    const data = blobs(8);
    for (const [rows, want] of [[[0, 1, 2, 3], 1], [Array.from({ length: 20_000 }, (_, i) => i % 8), 2]] as const) {
      const t = await Tuner.create(mlp(), backend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1 });
      created.length = 0;
      await t.trainStep(makeBatch(t, data, Int32Array.from(rows)));
      // the step's session is the last one the first step opens (after the shape-recording forward)
      expect(created.at(-1)!.threads).toBe(want);
      await t.dispose();
    }
    // a frozen Conv before the trained Gemm: work the plan does not count, so the backend's threads stay
    const g = graph('frozen-conv', [
      node('Conv', ['x', 'Wc'], ['c'], { pads: [1, 1, 1, 1] }),
      node('Flatten', ['c'], ['f'], { axis: 1 }),
      node('Gemm', ['f', 'Wg'], ['y']),
    ], [valueInfo('x', DataType.FLOAT, ['N', 1, 4, 4])], [valueInfo('y', DataType.FLOAT, ['N', 3])], [
      floatTensor('Wc', [2, 1, 3, 3], Array.from({ length: 18 }, (_, i) => Math.sin(i))), floatTensor('Wg', [32, 3], Array.from({ length: 96 }, (_, i) => Math.cos(i))),
    ]);
    const t = await Tuner.create(new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'frozen-conv.onnx'), backend, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.1, trainable: ['Wg'] });
    created.length = 0;
    await t.trainStep({ feeds: { x: { dims: [2, 1, 4, 4], data: new Float32Array(32).fill(0.5) } }, target: { dims: [2], data: BigInt64Array.from([0n, 2n]) } });
    expect(t.backwardPath).toBe('compiled');
    expect(created.at(-1)!.threads).toBe(2);
    await t.dispose();
  });
});

describe('spinning after a run', () => {
  const stop = { session: { force_spinning_stop: '1' } };

  it('stops from STOP_SPINNING_VALUES values of returned state, with the memory pattern off either way', () => {
    expect(cpuStepOptions(STOP_SPINNING_VALUES)).toEqual({ enableMemPattern: false, extra: stop });
    expect(cpuStepOptions(STOP_SPINNING_VALUES - 1)).toEqual({ enableMemPattern: false });
  });

  it("is asked of the step's session by the weights and slots it returns, and the session runs with it", async () => {
    const sessions: (InferenceSession.SessionOptions | undefined)[] = [];
    const backend: Backend = {
      ...nodeBackend,
      ort: {
        Tensor: nodeBackend.ort.Tensor,
        InferenceSession: {
          create: (m: Uint8Array, o?: InferenceSession.SessionOptions) => {
            sessions.push(o);
            return nodeBackend.ort.InferenceSession.create(m, o);
          },
        },
      },
    };
    // one Gemm of `inputs` × `classes` weights: 2²³ of them, or 2²² with momentum's slot
    const gemm = (inputs: number, classes: number) => new OnnxModel(model(graph('wide', [node('Gemm', ['x', 'W'], ['y'])],
      [valueInfo('x', DataType.FLOAT, ['N', inputs])], [valueInfo('y', DataType.FLOAT, ['N', classes])],
      [floatTensor('W', [inputs, classes], new Float32Array(inputs * classes).fill(1e-4))]), { opsets: [opset('', 13)] }), 'wide.onnx');
    const cases = [[2048, 4096, 'sgd', true], [2048, 4095, 'sgd', false], [2048, 2048, 'momentum', true], [2048, 2047, 'momentum', false]] as const;
    for (const [inputs, classes, optimizer, stops] of cases) {
      const t = await Tuner.create(gemm(inputs, classes), backend, { loss: 'cross-entropy', optimizer, lr: 0.1 });
      sessions.length = 0;
      const info = await t.trainStep({ feeds: { x: { dims: [2, inputs], data: new Float32Array(2 * inputs).fill(1) } }, target: { dims: [2], data: BigInt64Array.from([0n, 1n]) } });
      expect(t.backwardPath).toBe('compiled');
      expect(Number.isFinite(info.loss)).toBe(true);
      expect(sessions.at(-1)!.extra, `${optimizer} ${inputs}×${classes}`).toEqual(stops ? stop : undefined);
      await t.dispose();
    }
  });
});
