/**
 * Two optimizer steps in one graph (src/compile/chain-steps.ts): a 'split'
 * step chained to a copy of itself gives, in one ONNX Runtime run, the
 * losses and the state of two runs of the single step, the second fed the
 * first's new parameters and slots; the first copy's new state is no output.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { chainSteps, SECOND_STEP, splitStatePairs, type StatePair } from '../../src/compile/chain-steps.js';
import { optimizerHyper, slotNames, stepScalars } from '../../src/compile/optimizer-emit.js';
import { recordShapes } from '../../src/compile/shapes.js';
import { paramSlotInput } from '../../src/compile/split-update.js';
import { compileStep, flatLayout, LOSS, SCALARS, scalarVector, TARGET } from '../../src/compile/step-graph.js';
import { UnsupportedError } from '../../src/errors.js';
import { graph, model, node, opset, valueInfo } from '../../src/onnx/builder.js';
import { DataType } from '../../src/onnx/dtypes.js';
import { encodeModel } from '../../src/onnx/model-io.js';
import type { ModelProto } from '../../src/onnx/types.js';
import { nodeBackend } from '../../src/node/backend.js';
import { Rng } from '../../src/train/rng.js';
import { Tuner } from '../../src/train/tuner.js';
import type { OptimizerName } from '../../src/train/optimizers/index.js';
import { mlp, randoms } from '../train/fixtures.js';

type Feeds = Record<string, ort.Tensor>;

const floats = (dims: number[], data: Float32Array) => new ort.Tensor('float32', data, dims);

function batch(seed: number): { x: ort.Tensor; target: ort.Tensor } {
  const rng = new Rng(seed);
  return { x: floats([5, 6], Float32Array.from(randoms(30, rng, 1))), target: new ort.Tensor('int64', BigInt64Array.of(0n, 1n, 2n, 1n, 0n), [5]) };
}

/** The 'split' step of mlp() for `optimizer`, its state pairs, its first state (the model's weights, zero slots) and its scalar vector. */
async function splitStep(optimizer: OptimizerName): Promise<{ proto: ModelProto; pairs: StatePair[]; state: Feeds; scalars: ort.Tensor }> {
  const m = mlp(4);
  const t = await Tuner.create(m, nodeBackend, { loss: 'cross-entropy', optimizer, lr: 0.3 });
  const plan = t.engine.plan;
  const first = batch(1);
  const shapes = await recordShapes(m, nodeBackend, plan, { x: { dims: [5, 6], data: first.x.data as Float32Array } }, t.engine.currentWeights());
  const layout = flatLayout([plan.params], (p) => shapes.get(p)!);
  const hyper = optimizerHyper(optimizer, { momentum: 0.9 });
  const proto = compileStep(m, plan, shapes, {
    loss: 'cross-entropy', optimizer, hyper, labels: true, clip: false, gradNorm: false, layout, io: 'split',
    target: { dims: [5], elemType: DataType.INT64 },
  });
  const pairs = splitStatePairs(proto, slotNames[optimizer]);
  const state: Feeds = {};
  for (const p of plan.params) {
    const w = t.weights.get(p)!;
    state[p] = floats([...shapes.get(p)!], Float32Array.from(w));
    for (const s of slotNames[optimizer]) state[paramSlotInput(s, p)] = floats([w.length], new Float32Array(w.length));
  }
  const scalars = scalarVector(layout, optimizer, false, () => stepScalars(optimizer, hyper, 0.3, 1), Infinity);
  await t.dispose();
  return { proto, pairs, state, scalars: floats([scalars.length], scalars) };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('chainSteps', () => {
  it.each(['sgd', 'momentum'] as const)('two %s steps in one run give the two single runs\' losses and state', async (optimizer) => {
    const { proto, pairs, state, scalars } = await splitStep(optimizer);
    expect(pairs.length).toBe(4 * (1 + slotNames[optimizer].length));
    const single = await ort.InferenceSession.create(encodeModel(proto));
    const chained = await ort.InferenceSession.create(encodeModel(chainSteps(proto, pairs)));
    try {
      const [b1, b2] = [batch(1), batch(2)];
      const step = (s: Feeds, b: { x: ort.Tensor; target: ort.Tensor }) => single.run({ ...s, x: b.x, [TARGET]: b.target, [SCALARS]: scalars });
      const r1 = await step(state, b1);
      const next: Feeds = {};
      for (const { input, output } of pairs) next[input] = floats([...state[input]!.dims], r1[output]!.data as Float32Array);
      const r2 = await step(next, b2);
      const both = await chained.run({
        ...state, x: b1.x, [TARGET]: b1.target, [SCALARS]: scalars,
        [`${SECOND_STEP}x`]: b2.x, [`${SECOND_STEP}${TARGET}`]: b2.target, [`${SECOND_STEP}${SCALARS}`]: scalars,
      });
      // the second step starts from the first one's state: a copy fed the original weights would give another loss
      expect(Math.abs((r2[LOSS]!.data as Float32Array)[0]! - (r1[LOSS]!.data as Float32Array)[0]!)).toBeGreaterThan(1e-3);
      expect(Math.abs((both[LOSS]!.data as Float32Array)[0]! - (r1[LOSS]!.data as Float32Array)[0]!)).toBeLessThanOrEqual(1e-6);
      expect(Math.abs((both[SECOND_STEP + LOSS]!.data as Float32Array)[0]! - (r2[LOSS]!.data as Float32Array)[0]!)).toBeLessThanOrEqual(1e-6);
      for (const { output } of pairs) {
        expect(both[output], `${output} is not returned after the first step`).toBeUndefined();
        expect(maxDiff(both[SECOND_STEP + output]!.data as Float32Array, r2[output]!.data as Float32Array), output).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      await single.release();
      await chained.release();
    }
  });

  it('refuses a step graph with subgraphs, naming why', () => {
    const branch = (v: string) => graph(v, [node('Identity', ['x'], [v])], [], [valueInfo(v, DataType.FLOAT, [1])]);
    const g = graph('g', [node('If', ['c'], ['y'], { then_branch: { graph: branch('t') }, else_branch: { graph: branch('e') } })],
      [valueInfo('c', DataType.BOOL, []), valueInfo('x', DataType.FLOAT, [1])], [valueInfo('y', DataType.FLOAT, [1])]);
    expect(() => chainSteps(model(g, { opsets: [opset('', 13)] }), [])).toThrow(UnsupportedError);
    expect(() => chainSteps(model(g, { opsets: [opset('', 13)] }), [])).toThrow(/subgraphs/);
  });

  it('refuses a state pair the step does not have', async () => {
    const { proto } = await splitStep('sgd');
    expect(() => chainSteps(proto, [{ input: 'W9', output: 'edgetune.new/W9' }])).toThrow(/no input 'W9'/);
  });
});
