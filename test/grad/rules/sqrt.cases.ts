import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Sqrt', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, 0.2, 3),
  opsets: [7, 13],
});
