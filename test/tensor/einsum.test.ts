import { describe, expect, it } from 'vitest';
import { InputError, UnsupportedError } from '../../src/errors.js';
import { einsum, einsumGrad, parseEinsum, type EinsumEquation } from '../../src/tensor/einsum.js';
import { sizeOf, stridesOf, type Tensor } from '../../src/tensor/tensor.js';
import { randomTensor, seeded } from '../helpers/random.js';

/** Σ over every assignment of the labels of Π operands (size-1 axes broadcast), the output read off the assignment. */
function naiveEinsum(operands: Tensor[], eq: EinsumEquation): Tensor {
  const labels = [...eq.sizes.keys()];
  const outDims = eq.output.map((l) => eq.sizes.get(l)!);
  const out = new Float32Array(sizeOf(outDims));
  const outStrides = stridesOf(outDims);
  const total = sizeOf(labels.map((l) => eq.sizes.get(l)!));
  for (let flat = 0; flat < total; flat++) {
    const value = new Map<number, number>();
    let rem = flat;
    for (let a = labels.length - 1; a >= 0; a--) {
      const n = eq.sizes.get(labels[a]!)!;
      value.set(labels[a]!, rem % n);
      rem = Math.floor(rem / n);
    }
    let p = 1;
    operands.forEach((x, k) => {
      const s = stridesOf(x.dims);
      let off = 0;
      eq.inputs[k]!.forEach((l, a) => { off += (x.dims[a] === 1 ? 0 : value.get(l)!) * s[a]!; });
      p *= x.data[off]!;
    });
    let o = 0;
    eq.output.forEach((l, a) => { o += value.get(l)! * outStrides[a]!; });
    out[o]! += p;
  }
  return { dims: outDims, data: out };
}

function close(a: Tensor, b: Tensor): void {
  expect(a.dims).toEqual(b.dims);
  a.data.forEach((v, i) => expect(v).toBeCloseTo(b.data[i]!, 4));
}

const forms: [string, number[][]][] = [
  ['ij,jk->ik', [[3, 4], [4, 5]]],
  ['bhqd,bhkd->bhqk', [[2, 2, 3, 4], [2, 2, 5, 4]]],
  ['ij,jk->k', [[3, 4], [4, 5]]],
  ['i,j', [[3], [4]]],
  ['ij,jk,kl->li', [[2, 3], [3, 4], [4, 2]]],
  ['...ij,...jk->...ik', [[2, 1, 3, 4], [1, 5, 4, 2]]],
  ['...ij,jk', [[2, 3, 4], [4, 5]]],
  ['ijk->', [[2, 3, 4]]],
  ['aB,Bc->ca', [[2, 3], [3, 4]]],
];

describe('einsum', () => {
  it.each(forms)("matches the naive sum for '%s'", (equation, dims) => {
    const rng = seeded(3);
    const xs = dims.map((d) => randomTensor(rng, d));
    const eq = parseEinsum(equation, dims, 'test');
    close(einsum(xs, eq.inputs, eq.output, eq.sizes), naiveEinsum(xs, eq));
  });

  it.each(forms)("gives each operand's gradient as Σ δ · ∂y/∂x for '%s'", (equation, dims) => {
    const rng = seeded(4);
    const xs = dims.map((d) => randomTensor(rng, d));
    const eq = parseEinsum(equation, dims, 'test');
    const y = naiveEinsum(xs, eq);
    const dy = randomTensor(rng, y.dims);
    xs.forEach((x, k) => {
      const g = einsumGrad(dy, xs, eq, k);
      // y is linear in x: ⟨δ, y(x + e_i)⟩ − ⟨δ, y(x)⟩ is the gradient's coordinate i.
      const base = y.data.reduce((s, v, i) => s + v * dy.data[i]!, 0);
      for (let i = 0; i < x.data.length; i++) {
        const bumped = xs.map((t, j) => (j === k ? { dims: t.dims, data: t.data.map((v, q) => (q === i ? v + 1 : v)) } : t));
        const yb = naiveEinsum(bumped, eq);
        expect(g.data[i]).toBeCloseTo(yb.data.reduce((s, v, q) => s + v * dy.data[q]!, 0) - base, 3);
      }
    });
  });

  it('orders the implicit output as ellipsis axes, then the letters that occur once by character code', () => {
    const eq = parseEinsum('...ba,cBd,d', [[2, 3, 4], [5, 6, 7], [7]], 'test');
    expect(eq.output).toEqual([-1, ...'Babc'.split('').map((c) => c.charCodeAt(0))]);
  });

  it('refuses diagonals, naming the equation, and mismatched sizes', () => {
    expect(() => parseEinsum('ii->i', [[3, 3]], "node 'e'")).toThrow(UnsupportedError);
    expect(() => parseEinsum('ii->i', [[3, 3]], "node 'e'")).toThrow(/node 'e'.*'ii->i'/);
    expect(() => parseEinsum('ij,jk->ik', [[3, 4], [5, 6]], 'test')).toThrow(InputError);
    expect(() => parseEinsum('ij,jk->il', [[3, 4], [4, 6]], 'test')).toThrow(InputError);
    expect(() => parseEinsum('ij->i', [[3, 4, 5]], 'test')).toThrow(InputError);
  });
});
