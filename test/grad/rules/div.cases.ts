import { seeded } from '../../helpers/random.js';
import { broadcastCases, type RuleCase } from './rule-case.js';

/** Divisors in ±[0.5, 1.5): far enough from 0 for central differences to stay accurate. */
export function divisors(dims: number[], seed: number): Float32Array {
  const rng = seeded(seed);
  const n = dims.reduce((p, d) => p * d, 1);
  return Float32Array.from({ length: n }, () => (rng.next() < 0.5 ? -1 : 1) * (0.5 + rng.next()));
}

export const cases: RuleCase[] = broadcastCases('Div', (dims) => divisors(dims, 3));
