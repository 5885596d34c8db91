import { describe, expect, it } from 'vitest';
import { getOptimizer, optimizers, OptimizerError } from '../../../src/train/optimizers/index.js';
import { sgd } from '../../../src/train/optimizers/sgd.js';

describe('sgd', () => {
  it('applies W - lr*g to a hand-worked example', () => {
    const w = Float32Array.of(1, -2, 0.5, 3);
    const g = Float32Array.of(0.5, 0.25, -1, 0);
    const { param, state } = sgd.step(w, g, sgd.init(w), 0.1, {});
    // 1-0.05, -2-0.025, 0.5+0.1, 3-0
    expect(param).toEqual(Float32Array.of(0.95, -2.025, 0.6, 3));
    expect(state).toEqual({ step: 1, slots: {} });
  });

  it('rounds once to float32: the result equals Math.fround(w - lr*g) bit for bit', () => {
    // 1 - 2^-30 is below half an ulp of float32 at 1, so it rounds back to 1
    const tiny = sgd.step(Float32Array.of(1), Float32Array.of(2 ** -30), sgd.init(new Float32Array(1)), 1, {});
    expect(tiny.param[0]).toBe(1);

    const w = Float32Array.of(0.3, -1.7, 123.456, 1e-7, -5e4);
    const g = Float32Array.of(0.11, 3.3, -0.001, 7, 0.5);
    const lr = 0.0137;
    const { param } = sgd.step(w, g, sgd.init(w), lr, {});
    for (let i = 0; i < w.length; i++) {
      expect(Object.is(param[i], Math.fround(w[i]! - lr * g[i]!))).toBe(true);
    }
  });

  it('adds the L2 term wd*W to the gradient', () => {
    // g' = 1 + 0.5*2 = 2, W = 2 - 0.1*2 = 1.8; g' = -1 + 0.5*(-4) = -3, W = -4 + 0.3 = -3.7
    const w = Float32Array.of(2, -4);
    const { param } = sgd.step(w, Float32Array.of(1, -1), sgd.init(w), 0.1, { weightDecay: 0.5 });
    expect(param[0]).toBeCloseTo(1.8, 6);
    expect(param[1]).toBeCloseTo(-3.7, 6);
  });

  it('takes the step size per call, so each parameter tensor may use its own lr', () => {
    const w = Float32Array.of(1);
    const g = Float32Array.of(1);
    expect(sgd.step(w, g, sgd.init(w), 0.5, {}).param[0]).toBe(0.5);
    expect(sgd.step(w, g, sgd.init(w), 0.25, {}).param[0]).toBe(0.75);
  });

  it('does not mutate its inputs and returns fresh arrays', () => {
    const w = Float32Array.of(1, 2, 3);
    const g = Float32Array.of(0.1, 0.2, 0.3);
    const s = sgd.init(w);
    const before = { w: w.slice(), g: g.slice(), s: structuredClone(s) };
    const r = sgd.step(w, g, s, 0.1, { weightDecay: 0.01 });
    expect(w).toEqual(before.w);
    expect(g).toEqual(before.g);
    expect(s).toEqual(before.s);
    expect(r.param).not.toBe(w);
    expect(r.state).not.toBe(s);
  });

  it('rejects mismatched lengths and bad hyperparameters with OptimizerError', () => {
    const w = Float32Array.of(1, 2);
    expect(() => sgd.step(w, Float32Array.of(1), sgd.init(w), 0.1, {})).toThrow(OptimizerError);
    expect(() => sgd.step(w, w, sgd.init(w), Number.NaN, {})).toThrow(/lr/);
    expect(() => sgd.step(w, w, sgd.init(w), 0.1, { weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => sgd.step(w, w, { step: 1.5, slots: {} }, 0.1, {})).toThrow(/state\.step/);
  });
});

describe('optimizer registry', () => {
  it('exposes the four optimizers by name', () => {
    expect(Object.keys(optimizers).sort()).toEqual(['adam', 'adamw', 'momentum', 'sgd']);
    for (const name of Object.keys(optimizers)) expect(getOptimizer(name).name).toBe(name);
  });

  it('throws a one-line error listing the valid names', () => {
    expect(() => getOptimizer('rmsprop')).toThrow(OptimizerError);
    expect(() => getOptimizer('rmsprop')).toThrow("unknown optimizer 'rmsprop'; valid names: sgd, momentum, adam, adamw");
    expect(() => getOptimizer('toString')).toThrow(OptimizerError);
  });
});
