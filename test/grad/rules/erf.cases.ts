import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Erf', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, -2, 2),
  opsets: [9, 13],
});
