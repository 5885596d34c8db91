import { describe, expect, it } from 'vitest';
import { centreOfMass, inkBox } from '../../src/web/demo-draw.js';
import { ema, niceStep } from '../../src/web/demo-plot.js';

describe('demo plot helpers', () => {
  it('ema: m_0 = x_0, m_t = 0.9 m_{t-1} + 0.1 x_t', () => {
    const m = ema([1, 2, 3]);
    expect(m[0]).toBe(1);
    expect(m[1]).toBeCloseTo(1.1, 12);
    expect(m[2]).toBeCloseTo(0.9 * 1.1 + 0.3, 12);
  });

  it('niceStep picks the next nice tick size', () => {
    expect(niceStep(0.575)).toBeCloseTo(0.6, 12);
    expect(niceStep(0.125)).toBeCloseTo(0.15, 12);
    expect(niceStep(2)).toBe(2);
    expect(niceStep(7)).toBe(8);
    expect(niceStep(0)).toBe(1);
  });
});

describe('demo drawing helpers', () => {
  it('centreOfMass weights pixel centres', () => {
    const v = new Float32Array(9);
    v[0] = 1; // (0.5, 0.5)
    v[8] = 3; // (2.5, 2.5)
    expect(centreOfMass(v, 3)).toEqual({ x: 2, y: 2 });
    expect(centreOfMass(new Float32Array(9), 3)).toBeUndefined();
  });

  it('inkBox bounds the bright pixels of RGBA data', () => {
    const w = 5, h = 4;
    const rgba = new Uint8ClampedArray(w * h * 4);
    rgba[(1 * w + 2) * 4] = 255;
    rgba[(3 * w + 4) * 4] = 200;
    rgba[(0 * w + 0) * 4] = 10;
    expect(inkBox(rgba, w, h)).toEqual({ x: 2, y: 1, w: 3, h: 3 });
    expect(inkBox(new Uint8ClampedArray(w * h * 4), w, h)).toBeUndefined();
  });
});
