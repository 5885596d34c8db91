import { describe, expect, it } from 'vitest';
import { adam } from '../../../src/train/optimizers/adam.js';
import { adamw } from '../../../src/train/optimizers/adamw.js';

describe('adamw', () => {
  it('decays W by (1 - lr*wd) before the Adam step (default wd 0.01, hand-worked 3 steps)', () => {
    // constant g = 0.5 makes every Adam update exactly lr*sign(g) (up to eps), so
    // W1 = 1*0.999 - 0.1 = 0.899, W2 = 0.899*0.999 - 0.1 = 0.798101, W3 = 0.697302899
    let w: Float32Array = Float32Array.of(1);
    let s = adamw.init(w);
    const expected = [0.899, 0.798101, 0.697302899];
    for (const e of expected) {
      ({ param: w, state: s } = adamw.step(w, Float32Array.of(0.5), s, 0.1, {}));
      expect(w[0]).toBeCloseTo(e, 6);
    }
    expect(s.step).toBe(3);
  });

  it('applies the decay to the old weight, not after the Adam update (PyTorch order)', () => {
    // decay first: 2*(1 - 0.1*0.5) - 0.1 = 1.8; the other order would give (2 - 0.1)*0.95 = 1.805
    const w = Float32Array.of(2);
    const { param } = adamw.step(w, Float32Array.of(1), adamw.init(w), 0.1, { weightDecay: 0.5 });
    expect(param[0]).toBeCloseTo(1.8, 6);
  });

  it('keeps the decay out of the moments, unlike L2 Adam', () => {
    // zero gradient: AdamW only shrinks W and leaves m, v at zero; Adam with L2 moves by lr
    const w = Float32Array.of(1);
    const g = Float32Array.of(0);
    const dw = adamw.step(w, g, adamw.init(w), 0.1, { weightDecay: 0.5 });
    expect(dw.param[0]).toBeCloseTo(0.95, 6);
    expect(Array.from(dw.state.slots.m!)).toEqual([0]);
    expect(Array.from(dw.state.slots.v!)).toEqual([0]);
    const l2 = adam.step(w, g, adam.init(w), 0.1, { weightDecay: 0.5 });
    expect(l2.param[0]).toBeCloseTo(0.9, 6);
  });

  it('equals Adam when weightDecay is 0', () => {
    const w = Float32Array.of(0.4, -0.9, 2.5);
    const g = Float32Array.of(0.3, 0.01, -2);
    const a = adamw.step(w, g, adamw.init(w), 0.003, { weightDecay: 0 });
    const b = adam.step(w, g, adam.init(w), 0.003, {});
    expect(a.param).toEqual(b.param);
    expect(a.state).toEqual(b.state);
  });

  it('is pure and resumes bit-exactly from a cloned state', () => {
    const w = Float32Array.of(1, -2);
    const g = Float32Array.of(0.5, 0.25);
    const s = adamw.init(w);
    const r1 = adamw.step(w, g, s, 0.1, {});
    expect(w).toEqual(Float32Array.of(1, -2));
    expect(g).toEqual(Float32Array.of(0.5, 0.25));
    expect(s).toEqual(adamw.init(w));
    const clone = structuredClone(r1.state);
    const a = adamw.step(r1.param, g, r1.state, 0.1, {});
    const b = adamw.step(r1.param, g, clone, 0.1, {});
    expect(b.param).toEqual(a.param);
    expect(b.state).toEqual(a.state);
  });

  it('rejects a negative weight decay', () => {
    const w = Float32Array.of(1);
    expect(() => adamw.step(w, w, adamw.init(w), 0.1, { weightDecay: -0.01 })).toThrow(/adamw: weightDecay/);
  });
});
