import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Log', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, 0.3, 2.5),
  opsets: [7, 13],
});
