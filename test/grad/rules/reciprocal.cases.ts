import { awayFrom } from '../../helpers/random.js';
import type { RuleCase } from './rule-case.js';
import { unaryCases } from './unary-cases.js';

export const cases: RuleCase[] = unaryCases('Reciprocal', {
  values: (n: number, s: number) => awayFrom(n, -2.5, 2.5, [0], 0.4, s),
  opsets: [7, 13],
});
