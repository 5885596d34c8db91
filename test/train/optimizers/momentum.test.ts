import { describe, expect, it } from 'vitest';
import { momentum, type MomentumOptions } from '../../../src/train/optimizers/momentum.js';
import { OptimizerError, type OptimizerState } from '../../../src/train/optimizers/types.js';

function run(w0: number[], grads: number[][], lr: number, opts: MomentumOptions): { ws: Float32Array[]; state: OptimizerState } {
  let w: Float32Array = Float32Array.from(w0);
  let state = momentum.init(w);
  const ws: Float32Array[] = [];
  for (const g of grads) {
    ({ param: w, state } = momentum.step(w, Float32Array.from(g), state, lr, opts));
    ws.push(w);
  }
  return { ws, state };
}

describe('momentum', () => {
  // mu = 0.9, lr = 0.1; element 0 sees grads 1, 0.5, -1; element 1 sees 2, 2, 2
  const grads = [
    [1, 2],
    [0.5, 2],
    [-1, 2],
  ];

  it('follows v <- mu*v + g, W <- W - lr*v (hand-worked 3 steps)', () => {
    // elem 0: v = 1, 1.4, 0.26 -> W = 0.9, 0.76, 0.734
    // elem 1: v = 2, 3.8, 5.42 -> W = -2.2, -2.58, -3.122
    const { ws, state } = run([1, -2], grads, 0.1, { momentum: 0.9 });
    const expected = [
      [0.9, -2.2],
      [0.76, -2.58],
      [0.734, -3.122],
    ];
    ws.forEach((w, k) => {
      expect(w[0]).toBeCloseTo(expected[k]![0]!, 6);
      expect(w[1]).toBeCloseTo(expected[k]![1]!, 6);
    });
    expect(state.step).toBe(3);
    expect(state.slots.velocity![0]).toBeCloseTo(0.26, 6);
    expect(state.slots.velocity![1]).toBeCloseTo(5.42, 6);
  });

  it('defaults to mu = 0.9', () => {
    const a = run([1, -2], grads, 0.1, {});
    const b = run([1, -2], grads, 0.1, { momentum: 0.9 });
    expect(a.ws[2]).toEqual(b.ws[2]);
  });

  it('Nesterov uses W <- W - lr*(g + mu*v) (hand-worked 3 steps)', () => {
    // elem 0: v = 1, 1.4, 0.26; update = 1.9, 1.76, -0.766 -> W = 0.81, 0.634, 0.7106
    const { ws } = run([1, -2], grads, 0.1, { momentum: 0.9, nesterov: true });
    expect(ws[0]![0]).toBeCloseTo(0.81, 6);
    expect(ws[1]![0]).toBeCloseTo(0.634, 6);
    expect(ws[2]![0]).toBeCloseTo(0.7106, 6);
    // elem 1: v = 2, 3.8; update = 3.8, 5.42 -> W = -2.38, -2.922
    expect(ws[1]![1]).toBeCloseTo(-2.922, 6);
  });

  it('folds weight decay into the gradient before the velocity', () => {
    // grad 0, wd 0.1: g1 = 0.1, v1 = 0.1, W1 = 0.99; g2 = 0.099, v2 = 0.189, W2 = 0.9711
    const { ws } = run([1], [[0], [0]], 0.1, { momentum: 0.9, weightDecay: 0.1 });
    expect(ws[0]![0]).toBeCloseTo(0.99, 6);
    expect(ws[1]![0]).toBeCloseTo(0.9711, 6);
  });

  it('with momentum 0 reduces to plain SGD', () => {
    const { ws } = run([1], [[0.5], [0.5]], 0.1, { momentum: 0 });
    expect(ws[1]![0]).toBeCloseTo(0.9, 6);
  });

  it('is pure and its state round-trips through plain data bit-exactly', () => {
    const w = Float32Array.of(0.3, -0.7, 1.1);
    const g = Float32Array.of(0.2, 0.05, -0.4);
    let s = momentum.init(w);
    const snapshot = structuredClone(s);
    const r = momentum.step(w, g, s, 0.05, { nesterov: true });
    expect(w).toEqual(Float32Array.of(0.3, -0.7, 1.1));
    expect(g).toEqual(Float32Array.of(0.2, 0.05, -0.4));
    expect(s).toEqual(snapshot);
    expect(r.state.slots.velocity).not.toBe(s.slots.velocity);

    s = r.state;
    const json = JSON.stringify({ step: s.step, velocity: Array.from(s.slots.velocity!) });
    const parsed = JSON.parse(json) as { step: number; velocity: number[] };
    const restored: OptimizerState = { step: parsed.step, slots: { velocity: Float32Array.from(parsed.velocity) } };
    const a = momentum.step(r.param, g, s, 0.05, { nesterov: true });
    const b = momentum.step(r.param, g, restored, 0.05, { nesterov: true });
    expect(b.param).toEqual(a.param);
    expect(b.state).toEqual(a.state);
  });

  it('rejects a missing or mis-sized velocity slot and nesterov without momentum', () => {
    const w = Float32Array.of(1, 2);
    expect(() => momentum.step(w, w, { step: 0, slots: {} }, 0.1, {})).toThrow(/velocity/);
    expect(() => momentum.step(w, w, { step: 0, slots: { velocity: new Float32Array(3) } }, 0.1, {})).toThrow(OptimizerError);
    expect(() => momentum.step(w, w, momentum.init(w), 0.1, { momentum: 0, nesterov: true })).toThrow(/nesterov/);
  });
});
