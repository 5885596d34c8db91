import { describe, expect, it } from 'vitest';
import { affineNormVjp, groupSize, normalizeInputGrad, normalizeOver, type AffineNormLayout } from '../../src/tensor/normalize.js';
import { sizeOf, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats, seeded } from '../helpers/random.js';

const rng = seeded(43);

function random(dims: number[]): Tensor {
  return { dims, data: randomFloats(rng, sizeOf(dims)) };
}

function dot(a: Tensor, b: Tensor): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i]! * b.data[i]!;
  return s;
}

describe('normalizeOver', () => {
  it('gives (x − μ)/sqrt(var + ε) with the biased variance', () => {
    const n = normalizeOver({ dims: [2, 4], data: Float32Array.from([1, 2, 3, 4, 0, 0, 2, 2]) }, [1], 0.25);
    const s1 = Math.sqrt(1.25 + 0.25);
    const s2 = Math.sqrt(1 + 0.25);
    expect(n.invStd.dims).toEqual([2, 1]);
    expect(Array.from(n.invStd.data)).toEqual([1 / s1, 1 / s2].map(Math.fround));
    const want = [-1.5 / s1, -0.5 / s1, 0.5 / s1, 1.5 / s1, -1 / s2, -1 / s2, 1 / s2, 1 / s2];
    n.xHat.data.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });

  it('counts the elements of a group', () => {
    expect(groupSize([2, 3, 4, 5], [2, 3])).toBe(20);
  });
});

describe('normalizeInputGrad', () => {
  it('is the gradient of Σ g · x̂(x), by central differences', () => {
    const dims = [2, 3, 5];
    const axes = [1, 2];
    const x = random(dims);
    const g = random(dims);
    const got = normalizeInputGrad(g, normalizeOver(x, axes, 1e-3), axes);
    const h = 1e-3;
    for (let i = 0; i < x.data.length; i += 3) {
      const at = (d: number) => {
        const p = { dims, data: x.data.slice() };
        p.data[i]! += d;
        return dot(g, normalizeOver(p, axes, 1e-3).xHat);
      };
      expect(got.data[i]!).toBeCloseTo((at(h) - at(-h)) / (2 * h), 2);
    }
  });
});

describe('affineNormVjp', () => {
  const layout: AffineNormLayout = {
    xDims: [2, 6], view: [2, 2, 3], axes: [2],
    scaleDims: [2], scaleView: [1, 2, 1], biasDims: [2], biasView: [1, 2, 1],
  };

  it('gives ∂scale = Σ δ · x̂ and ∂B = Σ δ per group, in their own dims', () => {
    const x = random([2, 6]);
    const dy = random([2, 6]);
    const [, dScale, dB] = affineNormVjp(x, dy, random([2]), layout, 1e-5, [false, true, true]);
    const xHat = normalizeOver({ dims: [2, 2, 3], data: x.data }, [2], 1e-5).xHat;
    for (let k = 0; k < 2; k++) {
      let s = 0, b = 0;
      for (const n of [0, 1]) for (let j = 0; j < 3; j++) { s += dy.data[n * 6 + k * 3 + j]! * xHat.data[n * 6 + k * 3 + j]!; b += dy.data[n * 6 + k * 3 + j]!; }
      expect(dScale!.data[k]!).toBeCloseTo(s, 5);
      expect(dB!.data[k]!).toBeCloseTo(b, 5);
    }
    expect(dScale!.dims).toEqual([2]);
  });

  it('computes only what needs asks for', () => {
    const out = affineNormVjp(random([2, 6]), random([2, 6]), random([2]), layout, 1e-5, [true, false, false]);
    expect(out[0]!.dims).toEqual([2, 6]);
    expect(out[1]).toBeUndefined();
    expect(out[2]).toBeUndefined();
  });
});
