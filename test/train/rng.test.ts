import { describe, expect, it } from 'vitest';
import { Rng, RngError } from '../../src/train/rng.js';

function draws(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.next());
}

describe('Rng', () => {
  it('produces the xoshiro128** reference outputs from state {1, 2, 3, 4}', () => {
    const r = Rng.fromState([1, 2, 3, 4]);
    const out = Array.from({ length: 6 }, () => r.nextUint32());
    expect(out).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('next() is nextUint32()/2^32 and lies in [0, 1)', () => {
    const a = Rng.fromState([1, 2, 3, 4]);
    a.next();
    a.next();
    expect(a.next()).toBe(5927040 / 2 ** 32);
    const r = new Rng(7);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.02);
  });

  it('is deterministic per seed and differs between seeds', () => {
    expect(draws(new Rng(42), 20)).toEqual(draws(new Rng(42), 20));
    expect(draws(new Rng(42), 20)).not.toEqual(draws(new Rng(43), 20));
    expect(draws(new Rng(0), 5)).not.toEqual(draws(new Rng(1), 5));
    // seeds are taken modulo 2^32
    expect(draws(new Rng(2 ** 32 + 5), 5)).toEqual(draws(new Rng(5), 5));
  });

  it('resumes the exact sequence from getState()/fromState(), also through JSON', () => {
    const r = new Rng(123);
    draws(r, 17);
    r.normal();
    const saved = JSON.stringify(r.getState());
    const expected = { u: draws(r, 10), n: r.normal(), p: Array.from(r.permutation(8)) };
    const q = Rng.fromState(JSON.parse(saved) as number[]);
    expect({ u: draws(q, 10), n: q.normal(), p: Array.from(q.permutation(8)) }).toEqual(expected);
    for (const w of r.getState()) expect(Number.isInteger(w) && w >= 0 && w < 2 ** 32).toBe(true);
  });

  it('normal() has mean about 0 and variance about 1', () => {
    const r = new Rng(2024);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - mean * mean - 1)).toBeLessThan(0.05);
  });

  it('shuffle() permutes in place and is roughly uniform', () => {
    const r = new Rng(9);
    const a = [10, 20, 30, 40, 50];
    expect(r.shuffle(a)).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50]);

    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const k = r.shuffle(['a', 'b', 'c']).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('permutation(n) holds 0..n-1 and matches shuffling the identity from the same state', () => {
    const r = new Rng(77);
    const state = r.getState();
    const p = r.permutation(50);
    expect(p).toBeInstanceOf(Int32Array);
    expect(Array.from(p).sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const viaShuffle = Rng.fromState(state).shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect(Array.from(p)).toEqual(viaShuffle);
    expect(new Rng(1).permutation(0)).toEqual(new Int32Array(0));
  });

  it('rejects bad seeds, sizes and states with RngError', () => {
    expect(() => new Rng(1.5)).toThrow(RngError);
    expect(() => new Rng(1).permutation(-1)).toThrow(/permutation/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(RngError);
    expect(() => Rng.fromState([0, 0, 0, 0])).toThrow(/all-zero/);
    expect(() => Rng.fromState([1, 2, 3, 2 ** 32])).toThrow(RngError);
  });

  it('forKey gives one stream per seed and keys, whatever came before, and unrelated ones for other keys', () => {
    const draw = (r: Rng) => Array.from({ length: 6 }, () => r.nextUint32());
    const here = draw(Rng.forKey(7, 1, 2));
    new Rng(7).nextUint32();
    expect(draw(Rng.forKey(7, 1, 2))).toEqual(here);
    const others = [Rng.forKey(7, 2, 1), Rng.forKey(7, 1, 3), Rng.forKey(7, 0, 2), Rng.forKey(8, 1, 2), Rng.forKey(7, 1), Rng.forKey(7, 1, 2, 0), new Rng(7)].map(draw);
    for (const o of others) expect(o).not.toEqual(here);
    // neighbouring keys share no outputs (a shifted copy of one stream would)
    const a = new Set(draw(Rng.forKey(0, 0, 0))), b = draw(Rng.forKey(0, 0, 1));
    expect(b.some((v) => a.has(v))).toBe(false);
    expect(() => Rng.forKey(1, 0.5)).toThrow(RngError);
    expect(() => Rng.forKey(2 ** 60, 0)).toThrow(RngError);
  });
});
