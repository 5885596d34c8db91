import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Abs', {
  values: (n: number, s: number) => awayFrom(n, -2, 2, [0], 0.15, s),
  opsets: [8, 13],
});
