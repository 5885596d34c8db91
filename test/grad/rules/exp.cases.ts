import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Exp', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, -1.5, 1.5),
  opsets: [7, 13],
});
