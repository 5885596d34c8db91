/**
 * Tuner.trainSteps: the same steps as trainStep on each batch in turn (losses,
 * skips, learning rates, weights), with two batches of one shape run as two
 * steps in one ONNX Runtime call where the compiled step splits its state
 * per parameter (2^18 trained values and more).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CompiledStep, SPLIT_IO_VALUES } from '../../src/compile/compiled-step.js';
import { OnnxModel } from '../../src/model.js';
import { nodeBackend } from '../../src/node/backend.js';
import { floatTensor, graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner, type Batch, type StepInfo, type TunerOptions } from '../../src/train/tuner.js';
import { mlp, randoms } from './fixtures.js';

const WIDE = 512;

/** x [N,512] → Gemm(512→512) → Tanh → Gemm(512→3): 264,195 trained values, enough for per-parameter state. */
function wideMlp(): OnnxModel {
  const rng = new Rng(11);
  const g = graph('wide-mlp', [
    node('Gemm', ['x', 'W1', 'b1'], ['h'], { transB: 1 }),
    node('Tanh', ['h'], ['a']),
    node('Gemm', ['a', 'W2', 'b2'], ['logits'], { transB: 1 }),
  ], [valueInfo('x', DataType.FLOAT, ['N', WIDE])], [valueInfo('logits', DataType.FLOAT, ['N', 3])], [
    floatTensor('W1', [WIDE, WIDE], randoms(WIDE * WIDE, rng, 0.05)), floatTensor('b1', [WIDE], randoms(WIDE, rng, 0.1)),
    floatTensor('W2', [3, WIDE], randoms(3 * WIDE, rng, 0.1)), floatTensor('b2', [3], randoms(3, rng, 0.1)),
  ]);
  return new OnnxModel(model(g, { opsets: [opset('', 13)] }), 'wide-mlp.onnx');
}

function batchOf(seed: number, rows: number, width: number, poison = false): Batch {
  const rng = new Rng(seed);
  const x = Float32Array.from(randoms(rows * width, rng, 1));
  if (poison) x[3] = NaN;
  return { feeds: { x: { dims: [rows, width], data: x } }, target: { dims: [rows], data: BigInt64Array.from({ length: rows }, (_, i) => BigInt((i + seed) % 3)) } };
}

/** Train two Tuners from the same model, one batch at a time and with trainSteps; both runs' step infos and final weights. */
async function bothWays(make: () => OnnxModel, opts: TunerOptions, batches: Batch[]): Promise<{ one: StepInfo[]; many: StepInfo[]; weightDiff: number; pairs: number }> {
  const a = await Tuner.create(make(), nodeBackend, opts);
  const b = await Tuner.create(make(), nodeBackend, opts);
  const spy = vi.spyOn(CompiledStep.prototype, 'runPair');
  try {
    const one: StepInfo[] = [];
    for (const batch of batches) one.push(await a.trainStep(batch));
    const many = await b.trainSteps(batches);
    const pairs = spy.mock.results.length;
    let weightDiff = 0;
    for (const [name, w] of a.weights) {
      const v = b.weights.get(name)!;
      for (let i = 0; i < w.length; i++) weightDiff = Math.max(weightDiff, Math.abs(w[i]! - v[i]!));
    }
    expect(b.step).toBe(a.step);
    return { one, many, weightDiff, pairs };
  } finally {
    spy.mockRestore();
    await a.dispose();
    await b.dispose();
  }
}

function expectSameSteps(one: StepInfo[], many: StepInfo[]): void {
  expect(many.length).toBe(one.length);
  many.forEach((m, i) => {
    const o = one[i]!;
    expect({ step: m.step, skipped: m.skipped, lr: m.lr, correct: m.correct, size: m.size }, `step ${i}`).toEqual({ step: o.step, skipped: o.skipped, lr: o.lr, correct: o.correct, size: o.size });
    if (Number.isNaN(o.loss)) expect(m.loss, `step ${i}`).toBeNaN();
    else expect(Math.abs(m.loss - o.loss), `step ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(o.loss)));
  });
}

describe('Tuner.trainSteps', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the wide model has enough trained values for per-parameter state', () => {
    expect(WIDE * WIDE + WIDE + 3 * WIDE + 3).toBeGreaterThanOrEqual(SPLIT_IO_VALUES);
  });

  it.each([
    ['SGD with a step schedule', { optimizer: 'sgd', lr: 0.2, schedule: { kind: 'step', stepSize: 3, gamma: 0.5 } }],
    ['momentum', { optimizer: 'momentum', lr: 0.1 }],
    ['Adam', { optimizer: 'adam', lr: 0.01 }],
  ] as const)('runs two steps per call and gives trainStep\'s steps and weights (%s)', async (_name, o) => {
    const batches = [1, 2, 3, 4, 5].map((s) => batchOf(s, 6, WIDE));
    const { one, many, weightDiff, pairs } = await bothWays(wideMlp, { loss: 'cross-entropy', ...o }, batches);
    expectSameSteps(one, many);
    expect(one.every((s) => !s.skipped)).toBe(true);
    expect(weightDiff).toBeLessThanOrEqual(1e-6);
    // (1, 2) and (3, 4) in pairs, 5 alone
    expect(pairs).toBe(2);
  });

  it('a pair with a non-finite step runs one at a time, and that step is skipped as trainStep skips it', async () => {
    const batches = [batchOf(1, 6, WIDE), batchOf(2, 6, WIDE, true), batchOf(3, 6, WIDE), batchOf(4, 6, WIDE)];
    const { one, many, weightDiff } = await bothWays(wideMlp, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.2 }, batches);
    expect(one.map((s) => s.skipped)).toEqual([false, true, false, false]);
    expectSameSteps(one, many);
    expect(weightDiff).toBeLessThanOrEqual(1e-6);
  });

  it('pairs only batches of one shape', async () => {
    const batches = [batchOf(1, 6, WIDE), batchOf(2, 4, WIDE), batchOf(3, 6, WIDE), batchOf(4, 6, WIDE)];
    const { one, many, weightDiff, pairs } = await bothWays(wideMlp, { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.2 }, batches);
    expectSameSteps(one, many);
    expect(weightDiff).toBeLessThanOrEqual(1e-6);
    // 1 alone (2 has other dims), 2 alone (so does 3), then (3, 4)
    expect(pairs).toBe(1);
  });

  it('a small model (flat state) runs one step per call with the same results', async () => {
    const batches = [1, 2, 3].map((s) => batchOf(s, 5, 6));
    const { one, many, weightDiff, pairs } = await bothWays(() => mlp(4), { loss: 'cross-entropy', optimizer: 'sgd', lr: 0.2 }, batches);
    expectSameSteps(one, many);
    expect(weightDiff).toBe(0);
    expect(pairs).toBe(0);
  });
});
