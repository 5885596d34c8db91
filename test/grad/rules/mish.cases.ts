import { randomFloats, seeded } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Mish', {
  values: (n: number, s: number) => randomFloats(seeded(s), n, -4, 4),
  opsets: [18],
});
