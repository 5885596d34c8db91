import { describe, expect, it } from 'vitest';
import { adam } from '../../../src/train/optimizers/adam.js';
import { OptimizerError, type OptimizerState } from '../../../src/train/optimizers/types.js';

const grads = [
  [0.5, 0.2],
  [0.5, -0.1],
  [-1.0, 0.3],
];

describe('adam', () => {
  it('moves each weight by about lr*sign(g) on the first step (bias correction)', () => {
    // m̂ = g, v̂ = g² after one step, so the update is lr*g/(|g| + eps)
    const w = Float32Array.of(1, -1, 0);
    const { param, state } = adam.step(w, Float32Array.of(0.5, -3, 1e-3), adam.init(w), 0.1, {});
    expect(param[0]).toBeCloseTo(0.9, 6);
    expect(param[1]).toBeCloseTo(-0.9, 6);
    // a gradient near eps is damped: 0.1 * 1e-3 / (1e-3 + 1e-8) = 0.0999990001
    expect(param[2]).toBeCloseTo(-0.0999990001, 7);
    expect(state.step).toBe(1);
    expect(state.slots.m![0]).toBeCloseTo(0.05, 7);
    expect(state.slots.v![1]).toBeCloseTo(0.009, 7);
  });

  it('matches three steps of Algorithm 1 of Kingma & Ba evaluated in float64', () => {
    // reference values: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g²;
    // W -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps), lr 0.1, defaults otherwise
    const expected = [
      [0.900000002, -0.599999995],
      [0.800000004, -0.6266336972813242],
      [0.8075649369687123, -0.6901657126752592],
    ];
    let w: Float32Array = Float32Array.of(1, -0.5);
    let s = adam.init(w);
    grads.forEach((g, k) => {
      ({ param: w, state: s } = adam.step(w, Float32Array.from(g), s, 0.1, {}));
      expect(w[0]).toBeCloseTo(expected[k]![0]!, 6);
      expect(w[1]).toBeCloseTo(expected[k]![1]!, 6);
    });
    expect(s.slots.m![0]).toBeCloseTo(-0.0145, 7);
    expect(s.slots.v![0]).toBeCloseTo(0.00149925025, 8);
  });

  it('adds weightDecay as an L2 term to the gradient', () => {
    // g' = 0 + 0.5*1 = 0.5 → first step moves W by -lr; W = 0 receives no decay
    const w = Float32Array.of(1, 0);
    const { param } = adam.step(w, Float32Array.of(0, 0), adam.init(w), 0.1, { weightDecay: 0.5 });
    expect(param[0]).toBeCloseTo(0.9, 6);
    expect(param[1]).toBe(0);
  });

  it('honours beta1, beta2 and eps', () => {
    // beta1 = beta2 = 0: m = g, v = g², no bias correction; eps = 1 gives lr*g/(|g|+1)
    const w = Float32Array.of(0);
    const { param } = adam.step(w, Float32Array.of(1), adam.init(w), 1, { beta1: 0, beta2: 0, eps: 1 });
    expect(param[0]).toBeCloseTo(-0.5, 7);
  });

  it('is pure and resumes bit-exactly from a serialised state', () => {
    const w0 = Float32Array.of(0.25, -1.5, 3);
    const g = Float32Array.of(0.1, -0.2, 0.05);
    const s0 = adam.init(w0);
    const r1 = adam.step(w0, g, s0, 0.01, {});
    expect(w0).toEqual(Float32Array.of(0.25, -1.5, 3));
    expect(g).toEqual(Float32Array.of(0.1, -0.2, 0.05));
    expect(s0.step).toBe(0);
    expect(Array.from(s0.slots.m!)).toEqual([0, 0, 0]);
    expect(Array.from(s0.slots.v!)).toEqual([0, 0, 0]);
    expect(r1.state.slots.m).not.toBe(s0.slots.m);

    const r2 = adam.step(r1.param, g, r1.state, 0.01, {});
    const saved = JSON.stringify({ step: r1.state.step, m: Array.from(r1.state.slots.m!), v: Array.from(r1.state.slots.v!) });
    const p = JSON.parse(saved) as { step: number; m: number[]; v: number[] };
    const restored: OptimizerState = { step: p.step, slots: { m: Float32Array.from(p.m), v: Float32Array.from(p.v) } };
    const r2b = adam.step(r1.param, g, restored, 0.01, {});
    expect(r2b.param).toEqual(r2.param);
    expect(r2b.state).toEqual(r2.state);
  });

  it('rejects invalid hyperparameters and state', () => {
    const w = Float32Array.of(1);
    expect(() => adam.step(w, w, adam.init(w), 0.1, { beta1: 1 })).toThrow(/beta1/);
    expect(() => adam.step(w, w, adam.init(w), 0.1, { beta2: -0.1 })).toThrow(/beta2/);
    expect(() => adam.step(w, w, adam.init(w), 0.1, { eps: -1 })).toThrow(OptimizerError);
    expect(() => adam.step(w, w, { step: 0, slots: { m: new Float32Array(1) } }, 0.1, {})).toThrow(/'v'/);
  });
});
