import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Sin', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, -3, 3),
  opsets: [7, 13],
});
